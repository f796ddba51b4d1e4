/**
 * Whether a TOML file with no marker around it is an Elastic rule: a `[rule]` table with its `type` (detection-rules'
 * SIEM rules) or a `query` (Elastic Endpoint's behavior rules, EQL with no `type`), or a hunting query (`[hunt]` with
 * a `query`).
 */
import type { FormatSniffer } from '../adapter.ts';
import { asMap } from '../sniff.ts';

export const ELASTIC_SNIFF: FormatSniffer = {
  reads: ['.toml'],
  test(f) {
    const t = f.toml();
    const rule = asMap(t?.rule);
    return typeof rule?.type === 'string' || typeof rule?.query === 'string' || asMap(t?.hunt)?.query !== undefined;
  },
};
