/** panther adapter: placeholder until implemented. */
import type { FormatAdapter } from '../adapter.ts';

export const pantherAdapter: FormatAdapter<null> = {
  format: 'panther',
  parserName: 'not implemented',
  async prepare() {
    return null;
  },
  async parseFile(_root, path) {
    return { path, outcome: 'skipped', reason: 'adapter not implemented yet', rules: [], diagnostics: [] };
  },
};
