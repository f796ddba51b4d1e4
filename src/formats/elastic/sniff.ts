/** Whether a TOML file with no marker around it is an Elastic rule (a `[rule]` table with its `type`) or hunting query (`[hunt]` with a `query`). */
import type { FormatSniffer } from '../adapter.ts';
import { asMap } from '../sniff.ts';

export const ELASTIC_SNIFF: FormatSniffer = {
  reads: ['.toml'],
  test(f) {
    const t = f.toml();
    return typeof asMap(t?.rule)?.type === 'string' || asMap(t?.hunt)?.query !== undefined;
  },
};
