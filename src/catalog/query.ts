/**
 * The read side of the catalog: the data of every wiki page and API endpoint, straight from SQLite. Opened
 * read-only; every statement is prepared once (`read/core.ts`). Each page family is its own module in `read/`
 * (home, listings, rule page, ATT&CK, log sources and indicators, export lists); `Catalog` is their one public face,
 * each method with its declared return type.
 */
import type { RuleRecord } from '../model/rule.ts';
import type { ParsedQuery } from './searchQuery.ts';
import { matrixOf, navigatorLayerOf, tacticPageData, techniquePageData, typedFilterProblem, unknownTechnique } from './read/attack.ts';
import { CatalogCore } from './read/core.ts';
import { allRuleIds, allTechniqueIds, indicatorPageKeys, replacedTechniques, searchIndex } from './read/exportLists.ts';
import { homeData } from './read/home.ts';
import { browseListing, facetsData, searchListing } from './read/listing.ts';
import { indicatorPageData, logsourceList, logsourcePageData } from './read/lookups.ts';
import { ruleRecordOf, rulePageData } from './read/rulePage.ts';
import type { Filters, Listing, MatrixData, Paging } from './read/types.ts';

export * from './read/types.ts';

export type HomeData = ReturnType<typeof homeData>;
export type Facets = ReturnType<typeof facetsData>;
export type RulePageData = NonNullable<ReturnType<typeof rulePageData>>;
export type NavigatorLayer = ReturnType<typeof navigatorLayerOf>;
export type TechniquePageData = ReturnType<typeof techniquePageData>;
export type TacticPageData = NonNullable<ReturnType<typeof tacticPageData>>;
export type LogsourceCount = ReturnType<typeof logsourceList>[number];
export type LogsourcePageData = NonNullable<ReturnType<typeof logsourcePageData>>;
export type IndicatorPageData = NonNullable<ReturnType<typeof indicatorPageData>>;
export type SearchIndexRow = ReturnType<typeof searchIndex>[number];

export class Catalog extends CatalogCore {
  // ---------------- home ----------------
  home(): HomeData {
    return this.memoize('home', () => homeData(this));
  }

  // ---------------- filters, browse, search ----------------
  browse(f: Filters, p: Paging = {}): Listing {
    return browseListing(this, f, p);
  }

  /** Full-text search with the filters (see `searchListing`). */
  search(q: string, f: Filters = {}, p: Paging = {}): Listing & { readonly parsed: ParsedQuery } {
    return searchListing(this, q, f, p);
  }

  /** Distinct values of the filter columns, for the filter forms. */
  facets(): Facets {
    return this.memoize('facets', () => facetsData(this));
  }

  // ---------------- rule page ----------------
  ruleRecord(id: string): RuleRecord | undefined {
    return ruleRecordOf(this, id);
  }

  rule(id: string): RulePageData | undefined {
    return rulePageData(this, id);
  }

  // ---------------- ATT&CK ----------------
  matrix(f: Filters = {}): MatrixData {
    return matrixOf(this, f);
  }

  /** ATT&CK Navigator layer (layer format 4.5) of the matrix with these filters. */
  navigatorLayer(f: Filters = {}, from?: string): NavigatorLayer {
    return navigatorLayerOf(this, f, from);
  }

  technique(id: string, f: Filters = {}): TechniquePageData {
    return techniquePageData(this, id, f);
  }

  /** Why `id` is no technique of the catalog's ATT&CK or of any rule's mapping; undefined when it is one. */
  unknownTechnique(id: string): string | undefined {
    return unknownTechnique(this, id);
  }

  /** Why the filters typed in a search cannot match any rule (an unknown word or technique); undefined when they can. */
  typedFilterProblem(q: string): string | undefined {
    return typedFilterProblem(this, q);
  }

  tactic(id: string): TacticPageData | undefined {
    return tacticPageData(this, id);
  }

  // ---------------- log sources, indicators ----------------
  logsources(): LogsourceCount[] {
    return logsourceList(this);
  }

  logsource(key: string): LogsourcePageData | undefined {
    return logsourcePageData(this, key);
  }

  indicator(key: string): IndicatorPageData | undefined {
    return indicatorPageData(this, key);
  }

  // ---------------- export helpers ----------------
  allRuleIds(): string[] {
    return allRuleIds(this);
  }

  allTechniqueIds(): string[] {
    return allTechniqueIds(this);
  }

  /** The indicator keys that have their own page (see indicatorHasPage). */
  indicatorPageKeys(): string[] {
    return indicatorPageKeys(this);
  }

  /** Compact index for client-side search in the static export. */
  searchIndex(): SearchIndexRow[] {
    return searchIndex(this);
  }

  /** Revoked technique ids and what a filter of each reads instead (the static export's search). */
  replacedTechniques(): Record<string, string[]> {
    return replacedTechniques(this);
  }
}
