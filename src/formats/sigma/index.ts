/** sigma adapter: placeholder until implemented. */
import type { FormatAdapter } from '../adapter.ts';

export const sigmaAdapter: FormatAdapter<null> = {
  format: 'sigma',
  parserName: 'not implemented',
  async prepare() {
    return null;
  },
  async parseFile(_root, path) {
    return { path, outcome: 'skipped', reason: 'adapter not implemented yet', rules: [], diagnostics: [] };
  },
};
