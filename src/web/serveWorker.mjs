// Entry of a wiki server worker process (`detwiki serve --workers N`): TypeScript is loaded through tsx, as
// bin/detwiki.js does, then the worker proper.
import { register } from 'tsx/esm/api';

register();
await import('./serveWorker.ts');
