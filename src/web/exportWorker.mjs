// Entry of an export worker thread: TypeScript is loaded through tsx, as bin/detwiki.js does, then the worker proper.
import { register } from 'tsx/esm/api';

register();
await import('./exportWorker.ts');
