// Entry of the catalog-reading thread (`load.ts`): TypeScript is loaded through tsx, as bin/detwiki.js does, then the thread proper.
import { register } from 'tsx/esm/api';

register();
await import('./readWorker.ts');
