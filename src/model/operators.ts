/**
 * OperatorFacts: the documented meaning of every operator of the model and which source constructs map to it.
 * This table is the reference for adapters (what to emit) and for evaluation (what it must compute).
 * `docs/operators.md` is generated from it (`detwiki operators`).
 */
import type { Operator } from './expr.ts';

export interface OperatorFact {
  /** Exact semantics, as evaluation implements them. */
  readonly meaning: string;
  /** Case sensitivity when the predicate does not say (`opts.cs`). */
  readonly defaultCaseSensitive: boolean;
  /** The operator that holds exactly when this one does not (for a single value and a present field). */
  readonly negation?: Operator;
  /**
   * Negative operators (ne, is_null) state what must NOT be: at the top level they suppress events, so a
   * negative predicate is an exclusion and its negation is a requirement.
   */
  readonly negative: boolean;
  /** Source constructs that map to it, per language. */
  readonly sources: readonly string[];
}

export const OPERATOR_FACTS: Record<Operator, OperatorFact> = {
  eq: {
    meaning:
      'Field value equals the value. Strings compare case-sensitively unless cs=false. With typing=strict (Python) types must match (5 != "5"); with loose typing numbers and numeric strings compare as numbers. Missing field: false.',
    defaultCaseSensitive: true,
    negation: 'ne',
    negative: false,
    sources: ['Python ==', 'Panther YAML Condition: Equals', 'Sigma plain value (cs=false)', 'KQL == (cs) and =~ (cs=false)', 'SQL ='],
  },
  ne: {
    meaning: 'Negation of eq with the same options; a missing field is not equal (true).',
    defaultCaseSensitive: true,
    negation: 'eq',
    negative: true,
    sources: ['Python !=', 'Panther YAML DoesNotEqual', 'KQL != and !~', 'SQL <> / !='],
  },
  lt: { meaning: 'Numeric (or ISO date string) less than. Missing or non-numeric: false (loose) or unknown (strict, Python raises).', defaultCaseSensitive: true, negation: 'ge', negative: false, sources: ['Python <', 'Sigma |lt', 'KQL <', 'SQL <'] },
  le: { meaning: 'Less than or equal, as lt.', defaultCaseSensitive: true, negation: 'gt', negative: false, sources: ['Python <=', 'Sigma |lte', 'KQL <=', 'SQL <='] },
  gt: { meaning: 'Greater than, as lt.', defaultCaseSensitive: true, negation: 'le', negative: false, sources: ['Python >', 'Sigma |gt', 'KQL >', 'SQL >'] },
  ge: { meaning: 'Greater than or equal, as lt.', defaultCaseSensitive: true, negation: 'lt', negative: false, sources: ['Python >=', 'Sigma |gte', 'KQL >=', 'SQL >='] },
  in: {
    meaning: 'Field value equals one of the values (eq semantics per value; match=all is meaningless and not used).',
    defaultCaseSensitive: true,
    negative: false,
    sources: ['Python x in CONST', 'Panther YAML IsIn', 'KQL in (cs) / in~ (cs=false)', 'SQL IN (...)'],
  },
  contains: {
    meaning: 'Value occurs as a substring of the field (string). case-insensitive unless cs. For a list field (Python `"x" in list`) an element equals the value.',
    defaultCaseSensitive: false,
    negative: false,
    sources: ['Python "x" in s', 'Sigma |contains', 'KQL contains / contains_cs', 'Panther YAML Contains', 'SQL ILIKE %x%'],
  },
  starts_with: { meaning: 'Field string starts with the value.', defaultCaseSensitive: false, negative: false, sources: ['Python str.startswith', 'Sigma |startswith', 'KQL startswith / startswith_cs', 'Panther YAML StartsWith'] },
  ends_with: { meaning: 'Field string ends with the value.', defaultCaseSensitive: false, negative: false, sources: ['Python str.endswith', 'Sigma |endswith', 'KQL endswith / endswith_cs', 'Panther YAML EndsWith'] },
  wildcard: {
    meaning: 'Whole-value glob match: `*` any run, `?` one char, `\\` escapes (Sigma); SQL LIKE `%`/`_` (opts.wildcard=like); SPL `*` only, `?` and `\\` literal (opts.wildcard=spl).',
    defaultCaseSensitive: false,
    negative: false,
    sources: ['Sigma value with * or ?', 'SQL LIKE / ILIKE', 'SPL field=a* (search, case-insensitive; wildcard=spl)', 'SPL like() / LIKE (where and eval, case-sensitive; wildcard=like)', 'Python fnmatch'],
  },
  regex: {
    meaning: 'Regular expression search (unanchored unless opts.anchor) with opts.flags; run with a linear-time engine (RE2). A pattern RE2 cannot run (lookaround, backreference) evaluates to unknown.',
    defaultCaseSensitive: true,
    negative: false,
    sources: ['Python re.search / re.match (anchor=start) / re.fullmatch (anchor=full)', 'Sigma |re', 'KQL matches regex', 'Panther YAML IsRegexMatch'],
  },
  has: {
    meaning: 'KQL term match: the value occurs in the field bounded by non-alphanumeric characters (or the ends); case-insensitive unless cs. opts.term=prefix needs only the start of a term, suffix only its end.',
    defaultCaseSensitive: false,
    negative: false,
    sources: ['KQL has / has_cs / has_any / has_all (match=all)', 'KQL hasprefix / hassuffix (term=prefix / suffix, and _cs)', 'SPL TERM()'],
  },
  cidr: { meaning: 'Field is an IP address inside one of the CIDR ranges (IPv4 and IPv6).', defaultCaseSensitive: false, negative: false, sources: ['Sigma |cidr', 'KQL ipv4_is_in_range / ipv4_is_private', 'Python ipaddress.ip_address(x) in ip_network(y)'] },
  is_null: {
    meaning: 'Field is absent or null; with truthy (Python `not x`) also when falsy ("", 0, False, [], {}).',
    defaultCaseSensitive: false,
    negation: 'is_not_null',
    negative: true,
    sources: ['Python x is None / not x (truthy)', 'Sigma field: null', 'KQL isnull / isempty', 'SQL IS NULL', 'Panther YAML IsNull / IsNullOrEmpty'],
  },
  is_not_null: {
    meaning: 'Field is present and not null; with truthy (Python `if x`) it must also be truthy.',
    defaultCaseSensitive: false,
    negation: 'is_null',
    negative: false,
    sources: ['Python x is not None / bool(x) (truthy)', 'Sigma |exists: true', 'KQL isnotnull / isnotempty', 'SQL IS NOT NULL', 'Panther YAML IsNotNull / IsNotNullOrEmpty'],
  },
};
