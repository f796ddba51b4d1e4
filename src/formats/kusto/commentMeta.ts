/**
 * Metadata from the leading `//` comment block of a raw KQL query (a `.kql`, `.csl`, `.kusto` or `.txt` file):
 * `// Title: …`, `// Author - …`, `// MITRE: T1078, TA0006`, `// Data connector required for this query - …`,
 * links, and technique / tactic ids anywhere in the header. Lines that are not `key: value` are the description.
 * The comment lines come from the Kusto lexer's trivia (`leadingComments`), not from a scan of the file.
 */
import { TACTIC_ID, TECHNIQUE_ID } from '../../model/facts.ts';
import type { DeclaredAttack } from '../../model/rule.ts';
import { ATTACK_TACTIC_NAMES } from './defenderFacts.ts';
import { COMMENT_KEYS, MAX_KEY_LENGTH, type CommentKey } from './commentMetaFacts.ts';

export interface CommentMeta {
  readonly title?: string;
  readonly description?: string;
  readonly author?: string;
  readonly severity?: string;
  readonly version?: string;
  readonly date?: string;
  readonly attack: readonly DeclaredAttack[];
  readonly dataSources: readonly string[];
  readonly references: readonly string[];
  readonly tags: readonly string[];
}

/** Read the header comment lines (text after `//`, trimmed) of one query. */
export function readCommentMeta(lines: readonly string[]): CommentMeta {
  const fields = new Map<CommentKey, string[]>();
  const prose: string[] = [];
  let last: CommentKey | undefined;
  for (const raw of lines) {
    const line = raw.replace(/^\/+/, '').trim();
    if (!line || /^[-=*#_]{3,}$/.test(line)) {
      last = undefined;
      if (prose.length && prose[prose.length - 1] !== '') prose.push('');
      continue;
    }
    const kv = splitKeyValue(line);
    if (kv) {
      const list = fields.get(kv.key) ?? [];
      if (kv.value) list.push(kv.value);
      fields.set(kv.key, list);
      last = kv.key;
      continue;
    }
    // a continuation line of a multi-line value (description, references) or prose
    if (last === 'description' || last === 'references') fields.get(last)!.push(line);
    else prose.push(line);
  }
  const all = lines.join('\n');
  const words = all.split(/[\s,;|()[\]<>"'`]+/).map((w) => w.replace(/[.:]+$/, ''));
  const attack: DeclaredAttack[] = [];
  const seen = new Set<string>();
  const addAttack = (a: DeclaredAttack) => {
    const k = `${a.techniqueId ?? ''}|${a.tactic ?? ''}`;
    if (seen.has(k)) return;
    seen.add(k);
    attack.push(a);
  };
  for (const w of words) {
    const up = w.toUpperCase();
    if (TECHNIQUE_ID.test(up)) addAttack({ text: up, techniqueId: up });
    else if (TACTIC_ID.test(up)) addAttack({ text: up, tactic: up });
  }
  for (const v of fields.get('tactic') ?? []) {
    for (const part of v.split(/[,;/]/)) {
      const name = part.trim();
      if (ATTACK_TACTIC_NAMES.has(name.toLowerCase()) || ATTACK_TACTIC_NAMES.has(name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase())) addAttack({ text: name, tactic: name });
    }
  }
  const references = [...new Set([...(fields.get('references') ?? []), ...words].filter((w) => /^https?:\/\/\S+$/.test(w)))];
  const one = (k: CommentKey) => fields.get(k)?.join(' ').trim() || undefined;
  const descParts = [...(fields.get('description') ?? []), ...(fields.has('description') ? [] : prose)];
  const description = descParts.join('\n').replace(/\n{2,}/g, '\n\n').trim();
  const dataSources = (fields.get('dataSource') ?? []).flatMap((v) => v.split(/[,;]/)).map((s) => s.trim()).filter(Boolean);
  const tags = (fields.get('tags') ?? []).flatMap((v) => v.split(/[,;]/)).map((s) => s.trim()).filter(Boolean);
  const title = one('title');
  const author = one('author');
  const severity = one('severity');
  const version = one('version');
  const date = one('date');
  return {
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    ...(author ? { author } : {}),
    ...(severity ? { severity } : {}),
    ...(version ? { version } : {}),
    ...(date ? { date } : {}),
    attack,
    dataSources,
    references,
    tags,
  };
}

/** `Key: value` or `Key - value` where Key is a known header key; undefined for prose. */
function splitKeyValue(line: string): { key: CommentKey; value: string } | undefined {
  for (const sep of [':', ' - ', ' – ']) {
    const i = line.indexOf(sep);
    if (i <= 0 || i > MAX_KEY_LENGTH) continue;
    // a URL's scheme is not a key
    if (sep === ':' && line.slice(i, i + 3) === '://') continue;
    const key = COMMENT_KEYS[line.slice(0, i).trim().toLowerCase().replace(/\s+/g, ' ')];
    if (key) return { key, value: line.slice(i + sep.length).trim() };
  }
  return undefined;
}
