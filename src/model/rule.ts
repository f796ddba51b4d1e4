/**
 * The rule record: one upstream rule (or one query of a multi-query file) as the catalog holds it (DESIGN.md §1-2).
 * Plain JSON-serializable data; `docs/model.md` documents the schema.
 */
import type { Diagnostic } from './diagnostics.ts';
import type { Derived, Expr, Operator, PredicateOptions, Value } from './expr.ts';
import type { Format, Kind, Severity, Status } from './facts.ts';
import type { Span } from './span.ts';

export interface RuleSource {
  /** Repository as `owner/name` (or a local name). */
  readonly repository: string;
  /** Main file of the rule, relative to the repository root. */
  readonly path: string;
  /** 1-based line range of the rule inside that file (multi-rule files). */
  readonly lines?: { readonly start: number; readonly end: number };
  readonly commit?: string;
  readonly licence?: string;
  /** Link to the file upstream, when the repository URL is known. */
  readonly url?: string;
}

/** A file of the rule's body, verbatim. A Panther rule has its YAML and its Python. */
export interface BodyFile {
  readonly path: string;
  /** yaml, python, sql, kql, spl, eql, esql, lucene, toml, yaral, markdown, text… */
  readonly language: string;
  readonly text: string;
  /** The part of the file that is this rule, when the file holds several (offsets). */
  readonly range?: { readonly start: number; readonly end: number };
}

/** An ATT&CK entry as the source declares it; resolution fills `AttackMapping`. */
export interface DeclaredAttack {
  /** Verbatim: `TA0007:T1078`, `attack.t1059.001`, `DefenseEvasion`, `T1078`. */
  readonly text: string;
  readonly techniqueId?: string;
  /** The tactic the author declared with it: an id (TA0007), a name or a shortname (defense-evasion). */
  readonly tactic?: string;
}

export type AttackStatus =
  | 'ok'
  | 'revoked'
  | 'deprecated'
  | 'unknown'
  | 'tactic_mismatch'
  | 'tactic_only'
  | 'unknown_tactic'
  /** The entry names an ATT&CK object that is not a technique or tactic: Sigma `attack.g0007` (group), `attack.s0002` (software). */
  | 'not_technique';

export interface TacticRef {
  readonly id: string;
  readonly name: string;
  readonly shortname: string;
}

/** One declared entry resolved against an ATT&CK bundle. */
export interface AttackMapping {
  readonly declared: DeclaredAttack;
  readonly status: AttackStatus;
  readonly techniqueId?: string;
  readonly techniqueName?: string;
  /** Parent technique when this is a sub-technique. */
  readonly parentId?: string;
  readonly parentName?: string;
  /** The technique's tactics in matrix order. */
  readonly tactics: readonly TacticRef[];
  /** The declared tactic, resolved, when one was declared. */
  readonly declaredTactic?: TacticRef;
  /** Replacement of a revoked technique. */
  readonly replacement?: { readonly id: string; readonly name: string };
  /** Human explanation of a status other than ok, or of how an ok entry was read (a pre-v19 tactic name). */
  readonly note?: string;
}

export type StageKind =
  | 'source'
  | 'let'
  | 'filter'
  | 'selection'
  | 'condition'
  | 'extend'
  | 'project'
  | 'aggregate'
  | 'having'
  | 'join'
  | 'lookup'
  | 'union'
  | 'sort'
  | 'limit'
  | 'parse'
  | 'expand'
  | 'window'
  | 'outcome'
  | 'sequence'
  | 'function'
  | 'output'
  /** An operator that changes how rows are treated without filtering or reshaping them (KQL `serialize`, `as`; Panther `EventEvaluationOrder`). */
  | 'modifier'
  /** Sub-pipelines run over the rows (KQL `fork`, `facet`, `partition`). */
  | 'branch'
  /** A section that states facts about the rule rather than filtering (YARA-L `meta`). */
  | 'metadata'
  /** A whole query not split into stages (an adapter that does not parse the language yet). */
  | 'query'
  /** A statement of another kind than a query (an SQL `INSERT`, `SET`…), kept verbatim. */
  | 'statement';

/** A JSON value: what a stage's detail may hold. */
export type DetailValue = Value | readonly DetailValue[] | { readonly [key: string]: DetailValue | undefined };

/** Stage-specific facts (table names, join kind, keys…), plain JSON. */
export type StageDetail = Readonly<Record<string, DetailValue | undefined>>;

/** One step of the rule's pipeline, with its verbatim source slice. */
export interface Stage {
  readonly kind: StageKind;
  /** Native name: `where`, `summarize`, `selection_img`, `rule()`, `GROUP BY`… */
  readonly label: string;
  readonly text: string;
  readonly span?: Span;
  /** Stage-specific facts (table names, join kind, keys…). */
  readonly detail?: StageDetail;
  /** The stage's own filter, when it has one. */
  readonly expr?: Expr;
}

export type Completeness = 'complete' | 'partial' | 'none';

/**
 * Why a part of a rule is missing from its condition, so code can tell the parts apart without reading the reason:
 * - opaque: an opaque leaf of the condition (the adapter could not express it)
 * - aggregation: a threshold or grouping over matching events (count > 5, GROUP BY, result-count trigger)
 * - correlation: a relation between events of several rules (Sigma temporal correlation)
 * - filter: a filter not applied to single source events (after the rows were reshaped, in another SELECT)
 * - source: rows come from something not expanded (a saved function, a source not understood)
 * - rows: an operator keeps only some of the matching rows (`take`, `parse-where`)
 * - code: imperative code outside the condition (no entry point, a syntax error in it, an internal error)
 */
export type MissingKind = 'opaque' | 'aggregation' | 'correlation' | 'filter' | 'source' | 'rows' | 'code';

/** What a partial rule leaves out, and where. */
export interface MissingPart {
  readonly kind: MissingKind;
  readonly text: string;
  readonly reason: string;
  readonly span?: Span;
}

/**
 * How the events of one side take part in a multi-event rule: `required` (some event of the side must match: an
 * inner or semi join side, a sequence step), `absent` (no event of the side may match on the keys: an anti-join's
 * other side, `!in (subquery)`, an EQL missing-event step, YARA-L `!$e`), `optional` (rows are kept whether or not
 * an event of the side matches: the other side of an outer join or a `lookup`).
 */
export type SidePresence = 'required' | 'absent' | 'optional';

/**
 * One event set of a multi-event rule (a KQL join side, the rows of an `in (subquery)`, an EQL step): its own
 * row-level condition, how it takes part, and the keys that pair its events with those of another side.
 */
export interface CorrelationSide {
  /** `left`, `right`, `subquery`, `step 1`… */
  readonly name: string;
  /** What an event of this side must satisfy (`true` when the side has no filter). */
  readonly condition: Expr;
  readonly presence: SidePresence;
  /**
   * The side's key fields, paired position by position with `partnerKeys` of side `partner`: an event of this side
   * goes with an event of the partner when every pair of keys is equal (a missing key pairs with nothing). The first
   * side states the keys it is joined on and has no partner.
   */
  readonly keys: readonly string[];
  /** Index (in `sides`) of the side whose events this side's keys pair with. */
  readonly partner?: number;
  readonly partnerKeys?: readonly string[];
  /**
   * Keys computed from their field (a KQL join on a column made by extend): for each of `keys`, the transform chain
   * applied to the field (null: the field itself). Absent: every key is its field.
   */
  readonly keysDerived?: readonly (Derived | null)[];
  /** The same for `partnerKeys`. */
  readonly partnerKeysDerived?: readonly (Derived | null)[];
  /** The keys pair case-insensitively (KQL `in~`, join keys folded with tolower / toupper on both sides). */
  readonly keysCi?: boolean;
  /**
   * A key whose value is a list pairs when one of its elements pairs (with the other's value or one of its elements):
   * YARA-L unnests a repeated field, one row per element. Absent: a list pairs as a whole.
   */
  readonly keysAny?: boolean;
  /**
   * Two events that both lack a key (or hold null for it) may pair or not: the pairing is unknown. Sigma
   * correlations, whose backends differ (SQL groups the nulls together, Splunk's `stats … by` drops such events).
   * Absent: a missing or null key pairs with nothing. Either way a missing key never pairs with a value.
   */
  readonly keysNullUnknown?: boolean;
  /**
   * One event taking this side and another at once makes the binding unknown, not true: Sigma temporal correlations,
   * where an event matching two of the correlated rules counts for one of them or for both, as the backend tags it.
   * Absent: one event may take several sides (a KQL self-join).
   */
  readonly sameEventUnknown?: boolean;
  /** Tables or sources the side's events come from. */
  readonly sources?: readonly string[];
  /**
   * Conditions between this side's event and events of earlier sides (each names both ends' sides; the side that
   * holds it is the later of the two): the paired events must also satisfy every one.
   */
  readonly constraints?: readonly SideConstraint[];
  readonly text?: string;
  readonly span?: Span;
}

/** One end of a {@link SideConstraint}: a column of one side's event, or a value computed from it. */
export interface SideTerm {
  /** Index (in `sides`) of the side whose event the value is read from. */
  readonly side: number;
  /** The field, as the side's own events name it (with `derived`: the field the chain starts from; '' with `eventTime`). */
  readonly field: string;
  /**
   * The event's own time as the evaluator reads it (`evaluateSides`' `timeOf`; the hunt: the first of the usual
   * timestamp fields), not a field: for a language that names no time field (Sigma `temporal_ordered`).
   */
  readonly eventTime?: boolean;
  /** The column is computed from the field by this chain (a KQL column made by extend inside the side). */
  readonly derived?: Derived;
}

/**
 * A condition between the events of two sides of a multi-event rule (a KQL filter after a join that compares
 * columns of both sides):
 * - `time`: the time of `to` minus the time of `from` lies within [`minMs`, `maxMs`] (an absent bound: unbounded;
 *   `minStrict` / `maxStrict`: the bound itself excluded). Ordering (`to > from`) is `minMs: 0, minStrict`; a
 *   window (`(to - from) between (0min .. 4min)`) is both bounds; offsets (`from - 2m <= to`) move the bounds. With
 *   `unitMs` (KQL `datetime_diff`) the difference counts the unit's boundaries crossed: `(floor(to / unit) -
 *   floor(from / unit)) * unit`. Times are ISO date-time strings (UTC unless they state a zone) or epoch numbers
 *   (milliseconds above 1e12, else seconds); a missing or null time makes the condition false (KQL drops a row whose
 *   comparison is null), a value that is not a time makes it unknown.
 * - `compare`: the predicate `a op b`, with the operator's options as for a predicate on one event (`cs: false`
 *   for KQL `=~`), b's value read from its side's event; `negated` for the negative forms (`!=`, `!startswith`).
 */
export type SideConstraint =
  | {
      readonly kind: 'time';
      readonly from: SideTerm;
      readonly to: SideTerm;
      readonly minMs?: number;
      readonly maxMs?: number;
      readonly minStrict?: boolean;
      readonly maxStrict?: boolean;
      readonly unitMs?: number;
      /**
       * `to` is a later event than `from`: a different one, and with equal times one later in the input (an EQL
       * sequence's steps, ordered by time and then by the order the events come in). With `minMs: 0`.
       */
      readonly later?: boolean;
      readonly text?: string;
      readonly span?: Span;
    }
  | {
      readonly kind: 'compare';
      readonly a: SideTerm;
      readonly op: Operator;
      readonly b: SideTerm;
      readonly opts?: PredicateOptions;
      readonly negated?: boolean;
      readonly text?: string;
      readonly span?: Span;
    };

/** See `Aggregation.missingKeys`. */
export type MissingKeys = 'group' | 'drop' | 'zero' | 'unknown';

/**
 * One aggregate compared with a number (`dcount(IPAddress) >= 3`): `of` names the result column compared; `where`
 * the condition of a conditional aggregate (KQL `countif(ResultType != 0)`, `dcountif`, `sumif`): only the events
 * that meet it are counted. With `than`, the aggregate is compared with another aggregate of the group instead of
 * `value` (`Failures > Successes`).
 */
export interface ThresholdTest {
  readonly function: string;
  readonly op: Operator;
  readonly value: number;
  readonly of?: string;
  readonly where?: Expr;
  readonly than?: OtherAggregate;
}

/** See `Aggregation.keep`: which row of a group is kept (by the greatest or least `by` value) and what it must meet. */
export interface KeptRow {
  readonly which: 'latest' | 'earliest';
  /** The column compared (`TimeGenerated`): its values are times or numbers. */
  readonly by: string;
  /** The filter after the aggregation, on the kept row's columns (event fields). */
  readonly where?: Expr;
}

/** The aggregate a threshold compares with (`ThresholdTest.than`): its function, result column and condition. */
export interface OtherAggregate {
  readonly function: string;
  readonly of?: string;
  readonly where?: Expr;
}

/**
 * A group-by key computed from fields: the field's value (its `missingAs` when absent; with `coalesce`, the first of
 * `field` and those fields whose value is not missing or null), then `derived`'s steps.
 */
export interface DerivedKey {
  /** The key as `Aggregation.computedKeys` names it. */
  readonly name: string;
  /** The field the value is computed from (with `cases`: the first branch's field, for indexes; the branches decide). */
  readonly field: string;
  /**
   * A conditional key (KQL `iff`, `case`, `coalesce`): the value of the branch whose condition holds (the conditions
   * exclude each other, the last one holding when no earlier one does); a branch is a field computed as above or a
   * constant `value`.
   */
  readonly cases?: readonly KeyCase[];
  /** Fields tried in turn while the value so far is missing or null (ES|QL `COALESCE(a, b, c)`). */
  readonly coalesce?: readonly string[];
  readonly derived?: Derived;
  readonly missingAs?: Value;
  /** A null value takes `missingAs` too (Python `deep_get(…, default=…)`). */
  readonly nullAsMissing?: boolean;
}

/** One branch of a conditional group-by key: its condition and its value (a computed field, or a constant). */
export interface KeyCase {
  readonly when: Expr;
  readonly field?: string;
  readonly derived?: Derived;
  readonly missingAs?: Value;
  readonly nullAsMissing?: boolean;
  readonly value?: Value;
}

export interface Aggregation {
  readonly function?: string;
  /** Group-by keys: event fields, except those also listed in `computedKeys`. */
  readonly groupBy: readonly string[];
  /**
   * What the language does with an event whose group-by key is missing or null (absent: `group`). `group`: such
   * events are one group of their own (KQL `summarize … by`, SQL and ES|QL `GROUP BY`, Panther's default dedup
   * string); `drop`: they are not counted (Splunk `stats … by`, an Elastic threshold rule's terms); `zero`: nor are
   * events whose key is a zero value (`""`, `0`, `false`: YARA-L `match` placeholders, unless `allow_zero_values`);
   * `unknown`: the language leaves it to the backend (Sigma correlations), or to the other events (Splunk's `fillnull`
   * without a field list fills a field only where another result has it), so such an event makes the rule "may fire".
   */
  readonly missingKeys?: MissingKeys;
  /**
   * What the language does with a group-by key whose value on an event is a list: `each` element is a key of its
   * own, the event counted in the group of each (Splunk `stats … by` a multivalue field, ES|QL `STATS … BY` a
   * multivalued one, an Elastic threshold's terms); absent: the list is one value (KQL `summarize by` a dynamic
   * column).
   */
  readonly listKeys?: 'each';
  /** Group-by keys that are values the rule computes (`tostring(user)`, `DATE_TRUNC(…)`), not event fields. */
  readonly computedKeys?: readonly string[];
  /**
   * How computed keys are computed, where the model states it: each a transform chain of one field (`tolower(User)`,
   * `tostring(parse_json(AdditionalFields).Domain)`), named as `computedKeys` names it. A hunt counts per group of
   * their values once every computed key has one.
   */
  readonly derivedKeys?: readonly DerivedKey[];
  readonly window?: string;
  /** The window is fixed time bins of its length (KQL `bin(TimeGenerated, 5m)`, Splunk `span=5m`), not sliding. */
  readonly bins?: boolean;
  readonly threshold?: { readonly op: Operator; readonly value: number; readonly of?: string; readonly where?: Expr; readonly than?: OtherAggregate };
  /**
   * Further thresholds a group must pass as well (`count_ >= 5 and dcount_user >= 3`: the first is `function` /
   * `threshold`), each with the aggregate it compares.
   */
  readonly moreThresholds?: readonly ThresholdTest[];
  /**
   * Other ways a group passes (`FailedLogonCount >= 10 or DistinctIPs >= 3`): the group passes when the threshold
   * and `moreThresholds` all pass, or when every test of one of these alternatives does (the having condition in
   * disjunctive normal form; `thresholdAlternatives` in `aggregate.ts` reads all of them as one list).
   */
  readonly orThresholds?: readonly (readonly ThresholdTest[])[];
  /**
   * One row kept per group and a filter on it: KQL `summarize arg_max(TimeGenerated, *) by k | where …` keeps each
   * group's row with the greatest `by` value (`arg_min`: the least) and then tests that row. The rule alerts for
   * each group whose kept event meets `where`: a group's latest (or first) state, not every matching event.
   */
  readonly keep?: KeptRow;
  /** Correlation: the rules aggregated over (Sigma correlation `rules:`). */
  readonly rules?: readonly string[];
  /**
   * A multi-event rule stated side by side (KQL join, lookup and `in (subquery)`): the rule alerts when events of
   * the sides pair on their keys as each side's presence says (within `window` when stated). The row-level
   * condition is the OR of the required sides' conditions. Evaluated over several events by `evaluateSides`.
   * Conditions between the sides' events (time relations, comparisons of columns) are on the sides
   * (`CorrelationSide.constraints`); when one bounds the time between two sides' events on both ends, `window` is
   * the larger bound (`4m`), the span within which the paired events lie.
   */
  readonly sides?: readonly CorrelationSide[];
  /**
   * A correlation of other rules' matches (Panther correlation rules): which rules must match and how often, which
   * must not, on which keys, in which order and within which time. It is evaluated over the rules' matches, not over
   * events (`evaluateCorrelation` in `correlation.ts`); a rule's own tests give those matches (Panther
   * `RuleOutputs`).
   */
  readonly correlation?: RuleCorrelation;
  readonly text?: string;
  readonly span?: Span;
}

/** See `Aggregation.correlation`. */
export interface RuleCorrelation {
  /** `group`: the members match in any order; `sequence`: in the members' order. */
  readonly mode: 'group' | 'sequence';
  readonly members: readonly CorrelationMember[];
  /**
   * The names of the match criteria (Panther `MatchCriteria` keys): matches correlate when, for each criterion, the
   * values of the fields each member names for it are equal. Empty: every match of the members correlates.
   */
  readonly criteria: readonly string[];
  /** Minutes within which the correlated matches lie (Panther `LookbackWindowMinutes`, 15 when not given); absent: not bounded. */
  readonly windowMinutes?: number;
  /** Group: how many of the members that must match are enough (Panther's `MinMatchCount` of the group); absent: all. */
  readonly minMembers?: number;
  /** Sequence: bounds and key pairings between two steps (Panther `Transitions`). */
  readonly transitions?: readonly CorrelationTransition[];
  /** How matches are ordered, as written (Panther `EventEvaluationOrder`: `Chronological`). */
  readonly order?: string;
  /** Parts of the correlation not read (an unknown key, a value of the wrong type): evaluating it is then unknown. */
  readonly unread?: readonly string[];
}

export interface CorrelationMember {
  /** The member's name in the rule (Panther `ID`; the rule id when it has none). */
  readonly id: string;
  /** The correlated rule's native id (Panther `RuleID`). */
  readonly rule: string;
  /** Matches needed (Panther `MinMatchCount`, 1 when absent). */
  readonly minMatches: number;
  /** The member must not match (Panther `Absence: true`). */
  readonly absent: boolean;
  /** The member's field for each of `RuleCorrelation.criteria`, in order; null where it names none. */
  readonly keys: readonly (string | null)[];
}

export interface CorrelationTransition {
  readonly id?: string;
  /** Member ids. */
  readonly from: string;
  readonly to: string;
  /** The `to` match comes at most this many minutes after the `from` match (absent: the window's minutes). */
  readonly withinMinutes?: number;
  /** Fields whose values must be equal on the two matches: the `from` member's field and the `to` member's. */
  readonly on: readonly { readonly from: string; readonly to: string }[];
}

/** A predicate (or group) the rule suppresses, in its positive form: events matching it do not alert. */
export interface Exclusion {
  readonly expr: Expr;
  /** Stage or selection it came from (`filter_main_*`, `where`, `rule()`). */
  readonly stage?: string;
}

/** A positive leaf: what the rule looks for. */
export interface Indicator {
  /** The field (with a derived operand: the field the chain starts from, so indexes by field still find it). */
  readonly field: string;
  /** A derived operand, rendered (`json(requestParameters.policyDocument).Statement[*].Effect`); absent: the field. */
  readonly chain?: string;
  readonly op: Operator;
  readonly values: readonly Value[];
  readonly cs?: boolean;
  readonly match?: 'any' | 'all';
}

export interface OutputField {
  readonly name: string;
  /** Where it comes from: `alert_context`, `aws_rule_context()`, `project`, `entityMappings`, `fields`… */
  readonly source: string;
  /** Expression or source field it is computed from, when known. */
  readonly from?: string;
  /**
   * The event field the output is, when it is that field's value on every path of the rule (a Panther
   * `alert_context()` entry `"repo": event.get("repo")`): what a correlation matching on `p_alert_context.repo` reads
   * in a hunt.
   */
  readonly field?: string;
  /** With `field`: the value the output takes when the field is missing (`event.get("user", "<UNKNOWN>")`); with `nullAsMissing`, when it is null too (`deep_get`). */
  readonly fieldDefault?: string | number | boolean;
  readonly nullAsMissing?: boolean;
}

/** The concrete action a rule filters on (CloudTrail eventSource/eventName, Windows EventID…). */
export interface EventKey {
  readonly field: string;
  readonly value: string | number;
}

export interface Logic {
  readonly stages: readonly Stage[];
  /** The row-level condition: what an event must satisfy to count toward an alert. */
  readonly condition?: Expr;
  readonly completeness: Completeness;
  readonly missing: readonly MissingPart[];
  readonly aggregation?: Aggregation;
  readonly exclusions: readonly Exclusion[];
  readonly indicators: readonly Indicator[];
  readonly outputFields: readonly OutputField[];
  readonly eventKeys: readonly EventKey[];
  /** Which parser produced the logic, shown on the page ("Python via tree-sitter", "Snowflake SQL via node-sql-parser"). */
  readonly parser?: string;
  /** Short explanation of why logic is absent or partial, for the page. */
  readonly note?: string;
  /**
   * What the rule's own tests run against, where that is not `condition`: a Panther scheduled rule's tests give rows
   * of its scheduled queries, on which only its Python runs (`condition` is the query's and the Python's together).
   */
  readonly tested?: { readonly condition?: Expr; readonly completeness: Completeness; readonly of: string };
}

/** A test carried by the rule (Panther `Tests`, Sigma regression data). */
export interface RuleTest {
  readonly name: string;
  readonly expected: boolean;
  readonly event: unknown;
  readonly mocks?: readonly { readonly name: string; readonly value: unknown }[];
  readonly line?: number;
  /**
   * A test over a log of several events (Sigma regression data: an evtx log and the number of detections its
   * `info.yml` declares). When set, `event` is unused (null): the test passes when at least one of `events`
   * matches and `expected` is true, as SigmaHQ's runner decides; `matchCount` is compared and reported apart
   * (see `checkTest` in `checks.ts`).
   */
  readonly events?: readonly unknown[];
  readonly matchCount?: number;
}

export interface LogSource {
  /** Kind of log source statement: `LogTypes`, `logsource`, `dataConnector`, `table`, `index`, `datamodel`… */
  readonly kind: string;
  /** Normalized text, e.g. `AWS.CloudTrail`, `windows/process_creation`, `SecurityEvent`. */
  readonly name: string;
  readonly detail?: Readonly<Record<string, string>>;
}

export interface RuleRecord {
  /** `<format>/<slug>` */
  readonly id: string;
  readonly format: Format;
  /** Native id: Panther RuleID/PolicyID/QueryName, Sigma id, Sentinel id, Elastic rule_id… */
  readonly nativeId?: string;
  /** Native type: `rule`, `scheduled_rule`, `policy`, `saved_query`, `Scheduled`, `eql`… */
  readonly nativeType?: string;
  readonly source: RuleSource;

  readonly title: string;
  /** Markdown as written. */
  readonly description?: string;
  readonly references: readonly string[];
  readonly runbook?: string;
  readonly falsePositives: readonly string[];
  readonly author?: string;
  readonly created?: string;
  readonly modified?: string;
  readonly version?: string;
  readonly tags: readonly string[];

  readonly severity?: Severity;
  readonly severityNative?: string;
  readonly status: Status;
  readonly statusNative?: string;
  readonly enabled?: boolean;
  readonly kind: Kind;
  readonly kindReason: string;

  readonly logSources: readonly LogSource[];
  readonly attackDeclared: readonly DeclaredAttack[];
  /** Filled by resolution against the ATT&CK bundle (src/attack). */
  readonly attack: readonly AttackMapping[];

  readonly body: readonly BodyFile[];
  readonly logic: Logic;
  readonly tests: readonly RuleTest[];
  readonly diagnostics: readonly Diagnostic[];
  /** Format-specific facts for the page's facts box (dedup period, threshold, query frequency…). */
  readonly facts: Readonly<Record<string, unknown>>;
}
