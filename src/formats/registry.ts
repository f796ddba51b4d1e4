/**
 * The typed registry of language adapters: one line per language, no runtime discovery.
 */
import type { Format } from '../model/facts.ts';
import type { FormatAdapter } from './adapter.ts';
import { kustoAdapter } from './kusto/index.ts';
import { pantherAdapter } from './panther/index.ts';
import { sigmaAdapter } from './sigma/index.ts';

export const ADAPTERS = {
  panther: pantherAdapter,
  sigma: sigmaAdapter,
  kusto: kustoAdapter,
} satisfies Partial<Record<Format, FormatAdapter<any>>>;

export function adapterFor(format: Format): FormatAdapter<unknown> | undefined {
  return (ADAPTERS as Partial<Record<Format, FormatAdapter<unknown>>>)[format];
}
