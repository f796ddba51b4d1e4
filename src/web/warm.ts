/**
 * What a server does once before its first request, so that the first visitors do not pay for it: the page code
 * each format's rules take (compiled by V8 on first use), the regular expressions markdown-it's link finder compiles
 * for each width of string (text with only Latin-1 characters, and text with others), and the RE2 module that a
 * rule's own tests may need (loaded and compiled on first use: about 0.1 s).
 */
import type { Catalog } from '../catalog/query.ts';
import { re2Only } from '../model/regex.ts';
import { renderMarkdown } from './markdown.ts';
import { renderRule, ruleData } from './pages/rule.ts';
import { SERVER } from './site.ts';

/** The rule pages rendered: the first rule of each format and kind (read from the index on both). */
const SAMPLE_SQL = 'SELECT id FROM rules WHERE rowid IN (SELECT MIN(rowid) FROM rules GROUP BY format, kind) ORDER BY rowid';

/**
 * Markdown with the constructs rule descriptions and runbooks use (headings, lists, emphasis, code, tables, quotes,
 * links written and bare, an address, entities): markdown-it's and linkify-it's regular expressions compile on first
 * use, once for text of Latin-1 characters and once for text with others (a runbook's curly quotes).
 */
const WARM_MARKDOWN = `## Triage and analysis

### Investigating the alert

The rule's **query** looks for _unusual_ \`cmd.exe\` use. See https://attack.mitre.org/techniques/T1059/, www.example.com,
example.org/path?q=1 and <https://example.net>, or write to soc@example.com (questions: @someone) &amp; &copy; &#169;.

- Review the [process tree](https://example.com/tree "tree") of the host.
  1. Check the parent.
  2. Check the user: \`whoami /all\`.
* Isolate the host\
  if needed.

> Note: false positives occur.

| Field | Value |
|:------|------:|
| \`process.name\` | cmd.exe |

\`\`\`
process where event.type == "start"
\`\`\`

    indented code

---
1) done ![image](https://example.com/x.png)
`;

/**
 * Warm the page code (see above); returns the rule pages rendered and the time taken. Never throws: warming is
 * optional, and a page that fails here fails again when it is asked for, under the server's own error handling.
 */
export function warmPages(cat: Catalog): { readonly pages: number; readonly ms: number } {
  const t0 = performance.now();
  const attempt = (f: () => void): void => {
    try {
      f();
    } catch {
      // see above
    }
  };
  attempt(() => {
    for (const text of [WARM_MARKDOWN, WARM_MARKDOWN.replaceAll("'", '\u2019')]) renderMarkdown(text);
  });
  attempt(() => re2Only('warm\\s+(?:up|down)', 'i').test('warm up'));
  let ids: string[] = [];
  attempt(() => (ids = (cat.db.prepare(SAMPLE_SQL).all() as { id: string }[]).map((r) => r.id)));
  let pages = 0;
  for (const id of ids)
    attempt(() => {
      const d = ruleData(cat, id);
      if (!d) return;
      renderRule(SERVER, d);
      pages++;
    });
  return { pages, ms: performance.now() - t0 };
}
