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
    sources: ['Python ==', 'Panther YAML Condition: Equals', 'Sigma plain value (cs=false)', 'KQL == (cs) and =~ (cs=false)', 'SQL =', 'YARA-L = (cs; `nocase` → cs=false; omitted field = zero value via missingAs; strings.to_lower(x) = "lower" → cs=false)', 'Kibana KQL and Lucene field:value on a keyword field (cs; a .caseless field cs=false)', 'ES|QL == (cs), =~ (cs=false), TO_LOWER(x) == "lower-case" (cs=false)', 'EQL == (cs, no wildcards; an array field matches when an element does) and : without wildcards (cs=false)', 'Kibana filter match_phrase / term (cs; term case_insensitive: cs=false)', 'MQL == (cs) and =~ (cs=false), a bare boolean field (eq true), coalesce(field, literal) (missingAs)'],
  },
  ne: {
    meaning: 'Negation of eq with the same options; a missing field is not equal (true).',
    defaultCaseSensitive: true,
    negation: 'eq',
    negative: true,
    sources: ['Python !=', 'Panther YAML DoesNotEqual', 'KQL != and !~', 'SQL <> / !=', 'YARA-L != (as not eq; on a repeated UDM field it is per element, so kept opaque)', 'ES|QL != (with is_not_null: a comparison with null is null and WHERE drops the row)', 'EQL != (cs; true when the field is missing, false when any array element equals: must_not)', 'MQL != (cs) and !~ (cs=false)'],
  },
  lt: { meaning: 'Numeric (or ISO date string) less than. Missing or non-numeric: false (loose) or unknown (strict, Python raises).', defaultCaseSensitive: true, negation: 'ge', negative: false, sources: ['Python <', 'Sigma |lt', 'KQL <', 'SQL <', 'YARA-L < (omitted field = 0 via missingAs)', 'Kibana KQL field < v', 'Lucene field:{a TO b} / field:<v', 'ES|QL <', 'EQL <', 'Kibana filter range lt', 'MQL <'] },
  le: { meaning: 'Less than or equal, as lt.', defaultCaseSensitive: true, negation: 'gt', negative: false, sources: ['Python <=', 'Sigma |lte', 'KQL <=', 'SQL <=', 'YARA-L <=', 'Kibana KQL field <= v', 'Lucene field:[a TO b] / field:<=v', 'ES|QL <=', 'EQL <=', 'Kibana filter range lte', 'MQL <='] },
  gt: { meaning: 'Greater than, as lt.', defaultCaseSensitive: true, negation: 'le', negative: false, sources: ['Python >', 'Sigma |gt', 'KQL >', 'SQL >', 'YARA-L >', 'Kibana KQL field > v', 'Lucene field:{a TO b} / field:>v', 'ES|QL >', 'EQL >', 'Kibana filter range gt', 'MQL >'] },
  ge: { meaning: 'Greater than or equal, as lt.', defaultCaseSensitive: true, negation: 'lt', negative: false, sources: ['Python >=', 'Sigma |gte', 'KQL >=', 'SQL >=', 'YARA-L >=', 'Kibana KQL field >= v', 'Lucene field:[a TO b] / field:>=v', 'ES|QL >=', 'EQL >=', 'Kibana filter range gte', 'MQL >='] },
  in: {
    meaning: 'Field value equals one of the values (eq semantics per value; match=all is meaningless and not used).',
    defaultCaseSensitive: true,
    negative: false,
    sources: ['Python x in CONST', 'Panther YAML IsIn', 'KQL in (cs) / in~ (cs=false)', 'SQL IN (...)', 'Kibana KQL field:(a or b) on a keyword field (cs)', 'ES|QL IN (...) (cs)', 'EQL in (cs) / in~ (cs=false) / : (list without wildcards, cs=false); not in', 'Kibana filter terms (cs)', 'MQL in (cs) / in~ (cs=false) with a literal list'],
  },
  contains: {
    meaning: 'Value occurs as a substring of the field (string). case-insensitive unless cs. For a list field (Python `"x" in list`) an element equals the value.',
    defaultCaseSensitive: false,
    negative: false,
    sources: ['Python "x" in s', 'Sigma |contains', 'KQL contains / contains_cs', 'Panther YAML Contains', 'SQL ILIKE %x%', 'YARA-L strings.contains (cs=true)', 'ES|QL CONTAINS() (cs)', 'EQL stringContains (cs) / stringContains~ (cs=false)', 'MQL strings.contains (cs) / strings.icontains'],
  },
  starts_with: { meaning: 'Field string starts with the value.', defaultCaseSensitive: false, negative: false, sources: ['Python str.startswith', 'Sigma |startswith', 'KQL startswith / startswith_cs', 'Panther YAML StartsWith', 'YARA-L strings.starts_with (cs=true)', 'ES|QL STARTS_WITH() (cs)', 'EQL startsWith (cs) / startsWith~ (cs=false)', 'Kibana filter prefix', 'MQL strings.starts_with (cs) / istarts_with'] },
  ends_with: { meaning: 'Field string ends with the value.', defaultCaseSensitive: false, negative: false, sources: ['Python str.endswith', 'Sigma |endswith', 'KQL endswith / endswith_cs', 'Panther YAML EndsWith', 'YARA-L strings.ends_with (cs=true)', 'ES|QL ENDS_WITH() (cs)', 'EQL endsWith (cs) / endsWith~ (cs=false)', 'MQL strings.ends_with (cs) / iends_with'] },
  wildcard: {
    meaning: 'Whole-value glob match: `*` any run, `?` one char, `\\` escapes (Sigma); SQL LIKE `%`/`_` (opts.wildcard=like); `*` `?` with no escape character (opts.wildcard=plain, EQL); SPL `*` only, `?` and `\\` literal (opts.wildcard=spl).',
    defaultCaseSensitive: false,
    negative: false,
    sources: ['Sigma value with * or ?', 'SQL LIKE / ILIKE', 'SPL field=a* (search, case-insensitive; wildcard=spl)', 'SPL like() / LIKE (where and eval, case-sensitive; wildcard=like)', 'Python fnmatch', 'Kibana KQL unquoted value with * on a keyword field (cs; ? is literal)', 'Lucene term with * or ? (cs)', 'ES|QL LIKE (cs; \\ escapes)', 'EQL : with * or ? (cs=false) and like (cs) / like~ (cs=false), wildcard=plain: a backslash is an ordinary character', 'Kibana filter wildcard (Lucene `\\` escapes; case_insensitive: cs=false)', 'SPL field=a*', 'MQL strings.like (cs) / strings.ilike (`*`, `?` over the whole value)'],
  },
  regex: {
    meaning: 'Regular expression search (unanchored unless opts.anchor) with opts.flags; run with a linear-time engine (RE2). A pattern RE2 cannot run (lookaround, backreference) evaluates to unknown.',
    defaultCaseSensitive: true,
    negative: false,
    sources: ['Python re.search / re.match (anchor=start) / re.fullmatch (anchor=full)', 'Sigma |re', 'KQL matches regex', 'Panther YAML IsRegexMatch', 'YARA-L /re/ and re.regex (RE2 search, unanchored; `nocase` → cs=false)', 'ES|QL RLIKE, Lucene /re/ and Kibana\'s regexp filter (Lucene syntax: whole value, anchor=full, cs; flags=s, since Lucene\'s . matches a line break too; ^ and $ are literal characters, "…" quotes a literal)', 'EQL regex (cs) / regex~ (cs=false), read as Lucene\'s regexes are; patterns with Lucene-only operators (@ & ~ < > #) stay opaque', 'MQL regex.contains / icontains (search), regex.match / imatch (anchor=full)'],
  },
  has: {
    meaning: 'KQL term match: the value occurs in the field bounded by non-alphanumeric characters (or the ends); case-insensitive unless cs. opts.term=prefix needs only the start of a term, suffix only its end.',
    defaultCaseSensitive: false,
    negative: false,
    sources: ['KQL has / has_cs / has_any / has_all (match=all)', 'KQL hasprefix / hassuffix (term=prefix / suffix, and _cs)', 'SPL TERM()', 'Kibana KQL and Lucene value on an analysed text field (any of its terms; a quoted phrase approximates match_phrase)'],
  },
  cidr: { meaning: 'Field is an IP address inside one of the CIDR ranges (IPv4 and IPv6).', defaultCaseSensitive: false, negative: false, sources: ['Sigma |cidr', 'KQL ipv4_is_in_range / ipv4_is_private', 'Python ipaddress.ip_address(x) in ip_network(y)', 'YARA-L net.ip_in_range_cidr', 'ES|QL CIDR_MATCH()', 'EQL cidrMatch', 'MQL beta.ip_in'] },
  is_null: {
    meaning: 'Field is absent or null; with truthy (Python `not x`) also when falsy ("", 0, False, [], {}).',
    defaultCaseSensitive: false,
    negation: 'is_not_null',
    negative: true,
    sources: ['Python x is None / not x (truthy)', 'Sigma field: null', 'KQL isnull / isempty', 'SQL IS NULL', 'Panther YAML IsNull / IsNullOrEmpty', 'ES|QL IS NULL', 'EQL == null (also ?field == null: an optional field that is not mapped is null)', 'MQL is null'],
  },
  is_not_null: {
    meaning: 'Field is present and not null; with truthy (Python `if x`) it must also be truthy.',
    defaultCaseSensitive: false,
    negation: 'is_null',
    negative: false,
    sources: ['Python x is not None / bool(x) (truthy)', 'Sigma |exists: true', 'KQL isnotnull / isnotempty', 'SQL IS NOT NULL', 'Panther YAML IsNotNull / IsNotNullOrEmpty', 'Kibana KQL field:* (any indexed value, even empty)', 'Lucene _exists_:field / field:*', 'ES|QL IS NOT NULL', 'EQL != null', 'Kibana filter exists', 'MQL is not null'],
  },
};
