// Entry of a hunt worker thread: TypeScript is loaded through tsx, as bin/detwiki.js does, then the worker proper.
import { register } from 'tsx/esm/api';

register();
await import('./huntWorker.ts');
