/**
 * Whether a file is YARA-L: a `.yaral` file is, by its extension; a file of another name that public repositories
 * also give YARA-L rules (no extension, `.yara`, `.yar`, `.txt`) is when its structure holds a `rule name { … }` with
 * an `events:` section. A YARA signature (`strings:` and `condition:`, no `events:`) is not.
 */
import type { FormatSniffer } from '../adapter.ts';
import { readStructure } from './structure.ts';
import { tokenizeYaral } from './tokens.ts';

/** Extensions read (and parsed when YARA-L-shaped) besides `.yaral`. */
export const YARAL_OTHER_EXTENSIONS: readonly string[] = ['', '.yara', '.yar', '.txt'];

export function isYaralText(text: string): boolean {
  return readStructure(tokenizeYaral(text).tokens, text.length).rules.some((r) => r.sections.some((s) => s.name === 'events'));
}

export const YARAL_SNIFF: FormatSniffer = {
  decides: ['.yaral'],
  reads: YARAL_OTHER_EXTENSIONS,
  test: (f) => isYaralText(f.text),
};
