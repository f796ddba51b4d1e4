/**
 * What readers of the catalog (the wiki, the export) need from the adapters, without importing the registry
 * themselves: how a format finds a field in an event (to run a rule's tests) and how a body language is coloured.
 */
import type { FieldResolver } from '../model/evaluate.ts';
import type { Format } from '../model/facts.ts';
import type { HighlightFacts } from '../model/highlight.ts';
import { ADAPTERS, adapterFor } from '../formats/registry.ts';

/** The field resolver of a format (undefined: exact key, then dotted path). */
export function fieldResolverFor(format: Format): FieldResolver | undefined {
  return adapterFor(format)?.resolveField;
}

let highlightTable: Map<string, HighlightFacts> | undefined;

/** How a body language is coloured, from the facts the adapters declare (undefined: shown plain). */
export function highlightFactsFor(language: string): HighlightFacts | undefined {
  if (!highlightTable) {
    highlightTable = new Map();
    for (const a of Object.values(ADAPTERS)) for (const [k, f] of Object.entries(a.highlight)) if (!highlightTable.has(k)) highlightTable.set(k, f);
  }
  return highlightTable.get(language.toLowerCase());
}
