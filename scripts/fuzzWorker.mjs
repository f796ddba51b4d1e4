// Entry of the fuzz harness's scan thread: TypeScript is loaded through tsx, as bin/detwiki.js does.
import { register } from 'tsx/esm/api';

register();
await import('./fuzzWorker.ts');
