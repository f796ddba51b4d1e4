/**
 * HTML building blocks. Everything from a rule is untrusted: `esc` escapes text and attribute values; `Html` marks
 * strings that are already safe markup so that nothing is escaped twice and nothing raw slips through.
 */
import { BIDI_CLASS } from '../model/ascii.ts';

/** Safe markup. Only this module and the renderers that escape their inputs create it. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const SPECIAL = new RegExp(`[&<>"'${BIDI_CLASS}]`);

/**
 * The bidirectional controls (`BIDI_CLASS`). A browser acts on them: U+202E in a rule's value list writes the rest of
 * its line right to left (`Ann\u202egepj.exe` reads `Annexe.jpeg`), so rule text could show other than it is. They are
 * written as visible `<U+202E>`, as code hosts show them.
 */
const BIDI = new RegExp(`[${BIDI_CLASS}]`, 'g');

/**
 * Most text has nothing to escape (one test); the rest is replaced character by character kind, `&` first (five
 * native replacements took 0.5–0.7 of the time of one replacement calling a function per match, over the rule texts
 * of 300 pages and the words of them), the bidirectional controls last (`BIDI`).
 */
export function esc(s: unknown): string {
  const t = typeof s === 'string' ? s : String(s ?? '');
  if (!SPECIAL.test(t)) return t;
  return markBidi(t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
}

/** Escaped text or markup (Markdown's output) with each bidirectional control written as a visible `<U+XXXX>`. */
export function markBidi(h: string): string {
  return h.replace(BIDI, (c) => `&lt;U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}&gt;`);
}

/** Tagged template: interpolations are escaped unless they are Html (or arrays of Html / strings). */
export function html(strings: TemplateStringsArray, ...vals: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < vals.length; i++) out += part(vals[i]) + strings[i + 1]!;
  return new Html(out);
}

function part(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === undefined || v === null || v === false) return '';
  return esc(v);
}

export function raw(s: string): Html {
  return new Html(s);
}

export function join(items: readonly (Html | string)[], sep: Html | string = ''): Html {
  return new Html(items.map(part).join(part(sep)));
}

/** Only http(s) and mailto links leave the wiki; anything else (javascript:, data:…) is not a link. */
export function safeUrl(u: string | undefined | null): string | undefined {
  if (!u) return undefined;
  const s = u.trim();
  try {
    const p = new URL(s);
    if (p.protocol === 'http:' || p.protocol === 'https:' || p.protocol === 'mailto:') return p.href;
  } catch {
    return undefined;
  }
  return undefined;
}

export function extLink(url: string | undefined | null, text?: string): Html {
  const u = safeUrl(url);
  if (!u) return html`${text ?? url ?? ''}`;
  return html`<a href="${u}" rel="noopener noreferrer nofollow" target="_blank">${text ?? url}</a>`;
}
