/**
 * PythonFacts: static tables of the Panther Python lowering (limits, names with a known meaning).
 */

/** Limits on untrusted input, named once. */
export const PY_LIMITS = {
  /** Deepest chain of inlined helper calls. */
  maxInlineDepth: 8,
  /** Largest constant iterable a `for` loop or comprehension is unrolled over. */
  maxUnroll: 64,
  /** Largest constant dict turned into a conditional value (`MAP.get(event.get("x"))`). */
  maxDictBranches: 64,
  /** Largest tree of conditional paths kept per function before it becomes opaque. */
  maxPaths: 256,
  /**
   * Deepest expression nesting evaluated (nested parentheses, calls, operators; a chain of one boolean operator is
   * flat and does not count): the evaluator recurses once per level, so deeper input becomes opaque, not a stack
   * overflow.
   */
  maxExprDepth: 400,
} as const;

/** Entry points: the detection function per analysis type. */
export const ENTRY_FUNCTIONS: Readonly<Record<string, string>> = {
  rule: 'rule',
  scheduled_rule: 'rule',
  policy: 'policy',
};

/** Functions of a rule file shown as output stages, in Panther's order. */
export const OUTPUT_FUNCTIONS = ['title', 'dedup', 'alert_context', 'severity', 'description', 'reference', 'runbook', 'destinations'] as const;

/** Python builtins we model (others called on event data are opaque). */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  'any', 'all', 'bool', 'len', 'set', 'frozenset', 'list', 'tuple', 'sorted', 'str', 'int', 'float', 'isinstance',
  'dict', 'min', 'max', 'sum', 'abs', 'print', 'getattr', 'hasattr', 'type', 'repr', 'round', 'range', 'enumerate',
  'zip', 'map', 'filter', 'reversed', 'next', 'iter', 'ord', 'chr', 'hex', 'format', 'open', 'vars', 'id', 'hash',
  'bytes', 'bytearray', 'Exception', 'ValueError', 'KeyError', 'TypeError', 'AttributeError', 'IndexError', 'object', 'callable',
]);

/** Python's `re` flag values (`re.I | re.M`), and what each becomes in the model. */
export const RE_FLAGS: Readonly<Record<string, number>> = {
  I: 2, IGNORECASE: 2, L: 4, LOCALE: 4, M: 8, MULTILINE: 8, S: 16, DOTALL: 16, U: 32, UNICODE: 32, X: 64, VERBOSE: 64, A: 256, ASCII: 256,
};
export const RE_FLAG_BITS = { ignorecase: 2, multiline: 8, dotall: 16, verbose: 64 } as const;

/** Standard-library modules whose functions we model (others are opaque with the module named). */
export const MODELLED_STDLIB = new Set(['re', 'fnmatch', 'ipaddress']);

/**
 * Global helpers with a fixed meaning, lowered directly instead of inlined (their code uses reduce/lambda or
 * library calls): module → function names.
 */
export const INTRINSIC_HELPERS: Readonly<Record<string, readonly string[]>> = {
  panther_base_helpers: ['deep_get', 'deep_walk', 'pattern_match', 'pattern_match_list', 'is_ip_in_network'],
};

/** Why calls into some well-known external modules cannot be expressed. */
export const EXTERNAL_REASONS: Readonly<Record<string, string>> = {
  json: 'parses JSON text at run time (json)',
  'panther_detection_helpers.caching': "reads or writes Panther's cache (state across events)",
  panther_lookuptable_helpers: 'reads a Panther lookup table',
  policyuniverse: 'evaluates an IAM policy with the policyuniverse library',
  'policyuniverse.policy': 'evaluates an IAM policy with the policyuniverse library',
  datetime: 'depends on dates computed at run time (datetime)',
  time: 'depends on the clock (time)',
  panther_config: 'reads deployment configuration (panther_config)',
  panther_core: 'uses Panther runtime internals (panther_core)',
  base64: 'decodes data at run time (base64)',
  urllib: 'parses URLs at run time (urllib)',
  'urllib.parse': 'parses URLs at run time (urllib)',
  'unittest.mock': 'uses a test mock',
  ipaddress: "a part of Python's ipaddress module the model does not follow (ip_address() and ip_network() with is_private and is_global it does)",
};

/** Methods of event values (PantherEvent and the values read from it) that navigate to a field. */
export const FIELD_NAV_METHODS = new Set(['get', 'deep_get', 'deep_walk', 'udm']);
