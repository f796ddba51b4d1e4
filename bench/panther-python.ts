/**
 * Benchmark of the Panther Python lowering on a panther-analysis checkout:
 *   node --import tsx bench/panther-python.ts /path/to/panther-analysis [--list] [--filter substr]
 * For every rules/**.yml and policies/**.yml whose Filename is a .py: lower the Python, then check the condition
 * against the spec's Tests (three-valued: a complete condition must agree with every test; a partial one must
 * never be false on a test expected true, nor true on a test expected false).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { agreesWith, checkTest } from '../src/model/checks.ts';
import type { Truth } from '../src/model/evaluate.ts';
import { buildLogic } from '../src/model/lowering.ts';
import { renderExpr } from '../src/model/render.ts';
import { listFiles } from '../src/formats/io.ts';
import { lowerPythonRule, preparePythonRepo } from '../src/formats/panther/python/index.ts';
import { resolvePythonField } from '../src/formats/panther/python/resolve.ts';

const root = process.argv[2];
if (!root) {
  console.error('usage: bench/panther-python.ts <panther-analysis checkout> [--list] [--filter substr]');
  process.exit(2);
}
const list = process.argv.includes('--list');
const fi = process.argv.indexOf('--filter');
const filter = fi > 0 ? process.argv[fi + 1] : undefined;

const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '0.0') + '%';

const t0 = Date.now();
const files = await listFiles(root);
const ctx = await preparePythonRepo(root, files);
const tPrep = Date.now() - t0;

let rules = 0;
let nonempty = 0;
let complete = 0;
let tests = 0;
let agree = 0;
let unknown = 0;
let disagree = 0;
let crashes = 0;
let syntaxDiags = 0;
const offenders: string[] = [];
const reasons = new Map<string, number>();

for (const f of files) {
  if (!(f.startsWith('rules/') || f.startsWith('policies/')) || !(f.endsWith('.yml') || f.endsWith('.yaml'))) continue;
  if (filter && !f.includes(filter)) continue;
  let spec: Record<string, unknown>;
  try {
    spec = parseYaml(readFileSync(path.join(root, f), 'utf8')) as Record<string, unknown>;
  } catch {
    continue;
  }
  if (!spec || typeof spec.Filename !== 'string' || !spec.Filename.endsWith('.py')) continue;
  const py = path.posix.join(path.posix.dirname(f), spec.Filename);
  let text: string;
  try {
    text = readFileSync(path.join(root, py), 'utf8');
  } catch {
    continue;
  }
  rules++;
  const analysisType = String(spec.AnalysisType ?? 'rule');
  const logTypes = ((spec.LogTypes ?? spec.ResourceTypes ?? []) as unknown[]).filter((x): x is string => typeof x === 'string');
  const specTests = (Array.isArray(spec.Tests) ? spec.Tests : []) as Record<string, unknown>[];
  const mockedNames = [...new Set(specTests.flatMap((t) => (Array.isArray(t.Mocks) ? t.Mocks : []).map((m: { objectName?: unknown }) => String(m?.objectName ?? ''))))].filter(Boolean);
  const low = await lowerPythonRule({ file: py, text, logTypes, analysisType, mockedNames }, ctx);
  if (low.diagnostics.some((d) => d.code === 'GEN004')) crashes++;
  syntaxDiags += low.diagnostics.filter((d) => d.code === 'PY001' || d.code === 'PY002').length;
  const logic = buildLogic({ stages: low.stages, condition: low.condition, missing: low.missing });
  const cond = low.condition;
  const isNonEmpty = !!cond && logic.completeness !== 'none' && !(cond.kind === 'const');
  if (isNonEmpty) nonempty++;
  if (logic.completeness === 'complete') complete++;
  for (const m of logic.missing) {
    const k = m.reason.length > 70 ? m.reason.slice(0, 70) : m.reason;
    reasons.set(k, (reasons.get(k) ?? 0) + 1);
  }
  for (const t of specTests) {
    const event = t.Log ?? t.Resource;
    if (typeof t.ExpectedResult !== 'boolean' || event === undefined) continue;
    tests++;
    const expected = t.ExpectedResult;
    const got: Truth = cond ? checkTest(cond, logic.completeness, { name: String(t.Name), expected, event }, resolvePythonField).got : 'unknown';
    const ok = agreesWith(logic.completeness, expected, got);
    if (got === 'unknown') unknown++;
    if (ok) agree++;
    else {
      disagree++;
      offenders.push(`${py} [${logic.completeness}] test "${String(t.Name)}": expected ${expected}, got ${got}\n    ${cond ? renderExpr(cond).slice(0, 600) : '(no condition)'}`);
    }
  }
}
const ms = Date.now() - t0;
console.log(`panther-python rules=${rules} nonempty=${nonempty} (${pct(nonempty, rules)}) complete=${complete} (${pct(complete, rules)}) tests=${tests} agree=${agree} disagree=${disagree}`);
console.log(`panther-python unknown=${unknown} crashes=${crashes} syntax-diagnostics=${syntaxDiags} helpers+datamodels=${ctx.files.length} prepare-ms=${tPrep} total-ms=${ms}`);
if (list) {
  for (const o of offenders) console.log('DISAGREE ' + o);
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(`MISSING ${n} ${r}`);
}
