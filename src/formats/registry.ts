/**
 * The typed registry of language adapters: one line per language, no runtime discovery.
 */
import type { Format } from '../model/facts.ts';
import type { FormatAdapter } from './adapter.ts';
import { kustoAdapter } from './kusto/index.ts';
import { pantherAdapter } from './panther/index.ts';
import { sigmaAdapter } from './sigma/index.ts';
import { splunkAdapter } from './splunk/index.ts';
import { elasticAdapter } from './elastic/index.ts';
import { yaralAdapter } from './yaral/index.ts';
import { mqlAdapter } from './mql/index.ts';

export const ADAPTERS = {
  panther: pantherAdapter,
  sigma: sigmaAdapter,
  kusto: kustoAdapter,
  splunk: splunkAdapter,
  elastic: elasticAdapter,
  yaral: yaralAdapter,
  mql: mqlAdapter,
} satisfies Partial<Record<Format, FormatAdapter<any>>>;

export function adapterFor(format: Format): FormatAdapter<unknown> | undefined {
  return (ADAPTERS as Partial<Record<Format, FormatAdapter<unknown>>>)[format];
}
