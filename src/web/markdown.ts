/**
 * Rule descriptions are Markdown written by third parties: rendered with markdown-it with raw HTML disabled (tags
 * show as text), links limited to http(s)/mailto and relative anchors, images shown as links, and every link given
 * rel="noopener noreferrer nofollow". That is the whole allow-list: markdown-it emits only its own tags.
 */
import MarkdownIt from 'markdown-it';
import { markBidi, safeUrl } from './html.ts';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

md.validateLink = (url: string): boolean => {
  const u = url.trim();
  if (u.startsWith('#')) return true;
  return safeUrl(u) !== undefined;
};

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const t = tokens[idx]!;
  t.attrSet('rel', 'noopener noreferrer nofollow');
  if (!(t.attrGet('href') ?? '').startsWith('#')) t.attrSet('target', '_blank');
  return defaultLinkOpen(tokens, idx, options, env, self);
};
// images would load from third-party hosts: show them as links instead
md.renderer.rules.image = (tokens, idx) => {
  const t = tokens[idx]!;
  const src = safeUrl(t.attrGet('src'));
  const alt = md.utils.escapeHtml(t.content || 'image');
  return src ? `<a href="${md.utils.escapeHtml(src)}" rel="noopener noreferrer nofollow" target="_blank">[image: ${alt}]</a>` : `[image: ${alt}]`;
};

/** Sanitized HTML of a Markdown text. */
export function renderMarkdown(text: string): string {
  return markBidi(md.render(text.length > 200_000 ? text.slice(0, 200_000) : text));
}
