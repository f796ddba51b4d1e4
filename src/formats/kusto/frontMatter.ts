/**
 * YAML front matter of a Markdown query document (`---` … `---` at the top: title, description, author, tags,
 * tactics, techniques, references). Read with the project's YAML loader; the block is blanked out (line count kept)
 * before markdown-it reads the document, so that its closing `---` does not turn the metadata into a heading.
 */
import type { DeclaredAttack } from '../../model/rule.ts';
import { TACTIC_ID, TECHNIQUE_ID } from '../../model/facts.ts';
import { loadYaml } from '../yaml.ts';

export interface FrontMatter {
  /** The document with the front matter replaced by blank lines. */
  readonly body: string;
  readonly title?: string;
  readonly description?: string;
  readonly author?: string;
  readonly attack: readonly DeclaredAttack[];
  readonly references: readonly string[];
  readonly tags: readonly string[];
}

export function readFrontMatter(file: string, text: string): FrontMatter {
  const none: FrontMatter = { body: text, attack: [], references: [], tags: [] };
  if (!text.startsWith('---\n') && !text.startsWith('---\r\n')) return none;
  const lines = text.split('\n');
  let end = -1;
  for (let i = 1; i < lines.length && i < 500; i++) {
    const l = lines[i]!.trimEnd();
    if (l === '---' || l === '...') {
      end = i;
      break;
    }
  }
  if (end < 0) return none;
  const yamlText = lines.slice(1, end).join('\n');
  const loaded = loadYaml(file, yamlText);
  if (!loaded.ok) return none;
  const y = loaded.yaml.value;
  if (!y || typeof y !== 'object' || Array.isArray(y)) return none;
  const m = y as Record<string, unknown>;
  const str = (k: string) => {
    const v = m[k];
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const list = (k: string): string[] => {
    const v = m[k];
    if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
    if (typeof v === 'string') return v.split(',').map((x) => x.trim()).filter(Boolean);
    return [];
  };
  const attack: DeclaredAttack[] = [];
  for (const t of [...list('techniques'), ...list('technique'), ...list('mitre'), ...list('relevantTechniques')]) {
    const id = t.toUpperCase();
    if (TECHNIQUE_ID.test(id)) attack.push({ text: t, techniqueId: id });
  }
  for (const t of [...list('tactics'), ...list('tactic')]) attack.push({ text: t, tactic: TACTIC_ID.test(t.toUpperCase()) ? t.toUpperCase() : t });
  const title = str('title') ?? str('name');
  const description = str('description');
  const author = str('author') ?? (list('authors').join(', ') || undefined);
  const blank = lines.slice(0, end + 1).map(() => '').join('\n');
  return {
    body: blank + text.slice(lines.slice(0, end + 1).join('\n').length),
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    ...(author ? { author } : {}),
    attack,
    references: [...list('references'), ...list('links')],
    tags: list('tags'),
  };
}
