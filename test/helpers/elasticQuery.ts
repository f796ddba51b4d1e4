/**
 * Golden rendering of one lowered Elastic query (Kibana KQL, ES|QL, Lucene) and the golden-pair runner: every
 * `<case>.<ext>` under `test/fixtures/elastic/<language>/` beside its `<case>.expected.txt`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildLogic } from '../../src/model/lowering.ts';
import { renderExpr, renderExprPretty } from '../../src/model/render.ts';
import type { ElasticLower, ElasticLowering } from '../../src/formats/elastic/lowering.ts';
import { fixture } from './golden.ts';

/** Stages, condition, completeness, aggregation, outputs, missing parts and diagnostics, one per line. */
export function renderLowering(text: string, r: ElasticLowering): string {
  const logic = buildLogic({ stages: r.stages, ...(r.condition ? { condition: r.condition } : {}), missing: r.missing, ...(r.aggregation ? { aggregation: r.aggregation } : {}), outputFields: r.outputFields, parser: r.parser });
  const spanText = (s?: { start: number; end: number }) => (s ? ` @${s.start}-${s.end}` : '');
  const lines = [
    `parsed: ${r.parsed}`,
    ...r.stages.map((s) => `stage ${s.kind} ${s.label}${spanText(s.span)}${s.detail ? ` ${JSON.stringify(s.detail)}` : ''}`),
    `condition:${r.condition ? '\n' + renderExprPretty(r.condition, 100, '  ') : ' (none)'}`,
    `completeness: ${logic.completeness}`,
  ];
  if (r.aggregation) {
    const { span: _s, text: _t, ...a } = r.aggregation;
    lines.push(`aggregation: ${JSON.stringify(a)}`);
  }
  for (const o of r.outputFields) lines.push(`output ${o.name} <- ${o.source}${o.from ? ` ${o.from}` : ''}`);
  for (const e of logic.exclusions) lines.push(`exclusion ${renderExpr(e.expr)}`);
  for (const i of logic.indicators) lines.push(`indicator ${i.chain ?? i.field} ${i.op} ${JSON.stringify(i.values)}${i.cs !== undefined ? ` cs=${i.cs}` : ''}`);
  for (const m of logic.missing) lines.push(`missing ${m.reason} :: ${m.text.replace(/\s+/g, ' ').slice(0, 120)}${m.span ? ` @${m.span.start}-${m.span.end}` : ''}`);
  for (const d of r.diagnostics) lines.push(`diagnostic ${d.code} ${d.severity} ${d.line ?? '?'}:${d.column ?? '?'}`);
  // every predicate and opaque span must slice a non-empty piece of the query
  return lines.join('\n') + '\n' + checkSpans(text, r);
}

function checkSpans(text: string, r: ElasticLowering): string {
  const bad: string[] = [];
  const visit = (s?: { start: number; end: number }) => {
    if (s && (s.start < 0 || s.end > text.length || s.end <= s.start)) bad.push(`${s.start}-${s.end}`);
  };
  for (const st of r.stages) visit(st.span);
  for (const m of r.missing) visit(m.span);
  return bad.length ? `BAD SPANS ${bad.join(', ')}\n` : '';
}

/** Every fixture case of one language: `[name, text, expected path]`. */
export function fixtureCases(language: string, ext: string): { name: string; text: string; expected: string }[] {
  const dir = fixture('elastic', language);
  return readdirSync(dir)
    .filter((f) => f.endsWith(`.${ext}`))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(path.join(dir, f), 'utf8'), expected: path.join(dir, f.replace(new RegExp(`\\.${ext}$`), '.expected.txt')) }));
}

/** Lower a fixture as if its first character were at line 1, column 1 of `<name>`. */
export function lowerFixture(lower: ElasticLower, name: string, text: string): ElasticLowering {
  return lower(text, { file: name, line: 1, column: 1 });
}
