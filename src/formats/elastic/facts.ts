/** Static tables of the Elastic detection-rules layout (data, not code). */

/** rule.language onto the body language used for highlighting and the page. */
export const QUERY_LANGUAGES: Readonly<Record<string, string>> = {
  eql: 'eql',
  kuery: 'kql',
  esql: 'esql',
  lucene: 'lucene',
};

/** Tags that decide a kind. */
export const TAG_HIGHER_ORDER = 'Rule Type: Higher-Order Rule';
export const TAG_PROMOTION = 'Promotion: External Alerts';

/** Folders whose TOML files are rules, and the rest of the repository. */
export const RULE_ROOTS = ['rules/', 'rules_building_block/'] as const;
export const HUNTING_ROOT = 'hunting/';
/** detection-rules' Python package: its JSON files are its tooling's data (ATT&CK crosswalks, schemas), not rules. */
export const TOOLING_ROOT = 'detection_rules/';
