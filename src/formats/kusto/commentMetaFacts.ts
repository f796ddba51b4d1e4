/**
 * Keys that KQL authors write in the `//` comment header of a raw query file (data, not code). Compared lower-case
 * after trimming; a header line is `// Key: value` or `// Key - value`. Collected from public query collections
 * (Sentinel community queries, Defender hunting query repositories, personal `.kql` collections).
 */
export type CommentKey = 'title' | 'description' | 'author' | 'attack' | 'tactic' | 'dataSource' | 'references' | 'severity' | 'version' | 'date' | 'tags';

export const COMMENT_KEYS: Readonly<Record<string, CommentKey>> = {
  title: 'title',
  'query name': 'title',
  'rule name': 'title',
  'detection name': 'title',
  'hunting query': 'title',
  description: 'description',
  desc: 'description',
  summary: 'description',
  purpose: 'description',
  goal: 'description',
  about: 'description',
  author: 'author',
  authors: 'author',
  'created by': 'author',
  'written by': 'author',
  mitre: 'attack',
  'mitre att&ck': 'attack',
  'mitre attack': 'attack',
  'att&ck': 'attack',
  attack: 'attack',
  technique: 'attack',
  techniques: 'attack',
  'mitre technique': 'attack',
  'mitre techniques': 'attack',
  'relevant techniques': 'attack',
  tactic: 'tactic',
  tactics: 'tactic',
  'mitre tactic': 'tactic',
  'mitre tactics': 'tactic',
  'data source': 'dataSource',
  'data sources': 'dataSource',
  datasource: 'dataSource',
  'data connector': 'dataSource',
  'data connectors': 'dataSource',
  'data connector required for this query': 'dataSource',
  'data connectors required for this query': 'dataSource',
  'log source': 'dataSource',
  table: 'dataSource',
  tables: 'dataSource',
  reference: 'references',
  references: 'references',
  link: 'references',
  links: 'references',
  url: 'references',
  source: 'references',
  severity: 'severity',
  version: 'version',
  date: 'date',
  created: 'date',
  'last modified': 'date',
  tags: 'tags',
  tag: 'tags',
};

/** Header keys are short: a line whose part before the separator is longer than this is prose, not a key. */
export const MAX_KEY_LENGTH = 48;
