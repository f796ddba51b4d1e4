/**
 * KQL wherever people keep it (issue 13): raw `.kql` / `.csl` / `.kusto` / `.txt` query files with `//` comment
 * headers, Markdown fences of any label, front matter and ATT&CK tables, Sentinel ARM templates and Defender custom
 * detection JSON, and recognising such a folder as KQL without `--format`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { kustoAdapter } from '../src/formats/kusto/index.ts';
import { parseKqlJson } from '../src/formats/kusto/arm.ts';
import { readCommentMeta } from '../src/formats/kusto/commentMeta.ts';
import { isQueryShaped } from '../src/formats/kusto/defender.ts';
import { jsonStringMapper, locateJsonStrings } from '../src/formats/jsonLocate.ts';
import { detectFormat } from '../src/formats/detect.ts';
import { scanSource } from '../src/formats/scan.ts';
import { renderExpr } from '../src/model/render.ts';
import { lineColAt } from '../src/model/span.ts';
import { assertGolden, fixture } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const ROOT = fixture('kusto', 'anywhere');

describe('KQL anywhere: a folder of raw files, Markdown and JSON', async () => {
  const scan = await scanSource(kustoAdapter, ROOT, { repository: 'fixtures' });

  it('every file is accounted for, and each form gives its rules (golden)', () => {
    const lines: string[] = [];
    for (const f of [...scan.files].sort((a, b) => a.path.localeCompare(b.path))) {
      lines.push(`${f.path}: ${f.outcome}${f.reason ? ` (${f.reason})` : ''}${f.diagnostics.length ? ` [${f.diagnostics.map((d) => `${d.code}@${d.line ?? '-'}`).join(' ')}]` : ''}`);
      for (const r of f.rules) {
        lines.push(`  ${r.id} | ${r.title} | ${r.kind} | ${r.nativeType ?? '-'} | lines ${r.source.lines ? `${r.source.lines.start}-${r.source.lines.end}` : 'all'}`);
        if (r.description) lines.push(`    description: ${r.description.split('\n')[0]}`);
        if (r.author) lines.push(`    author: ${r.author}`);
        if (r.severity) lines.push(`    severity: ${r.severity}`);
        if (r.attackDeclared.length) lines.push(`    attack: ${r.attackDeclared.map((a) => a.techniqueId ?? `tactic ${a.tactic}`).join(', ')}`);
        if (r.logSources.length) lines.push(`    log sources: ${r.logSources.map((l) => `${l.kind}=${l.name}`).join(', ')}`);
        if (r.references.length) lines.push(`    references: ${r.references.join(' ')}`);
        lines.push(`    condition (${r.logic.completeness}): ${r.logic.condition ? renderExpr(r.logic.condition) : '-'}`);
        if (r.logic.aggregation?.threshold) lines.push(`    threshold: ${r.logic.aggregation.threshold.op} ${r.logic.aggregation.threshold.value}`);
        if (r.logic.outputFields.length) lines.push(`    output: ${r.logic.outputFields.map((o) => o.name).join(', ')}`);
      }
    }
    assertGolden(fixture('kusto', 'anywhere.expected.txt'), lines.join('\n'));
  });

  it('raw files: header metadata where present, else the file name', () => {
    const byId = new Map(scan.rules.map((r) => [r.id, r]));
    const legacy = byId.get('kusto/signinlogs-legacyauth')!;
    assert.equal(legacy.title, 'Sign-ins with legacy authentication protocols');
    assert.deepEqual(legacy.attackDeclared.map((a) => a.techniqueId ?? a.tactic), ['T1078.004', 'TA0001']);
    assert.equal(byId.get('kusto/audit-groupowneradded')!.title, 'Audit-GroupOwnerAdded');
    // two queries separated by a blank line and their own headers
    assert.equal(byId.get('kusto/processstats-2')!.attackDeclared[0]?.techniqueId, 'T1059.001');
    assert.equal(byId.get('kusto/processstats-1')!.attackDeclared.length, 0);
  });

  it('Markdown: C# and unlabelled fences are KQL when they parse as a query; shell, PowerShell and SQL are not', () => {
    const md = scan.files.find((f) => f.path === 'md/DetectRundll32.md')!;
    assert.equal(md.rules.length, 1);
    const codes = (f: typeof md) => [...f.diagnostics, ...f.rules.flatMap((r) => r.diagnostics)].map((d) => [d.code, d.line]);
    assert.deepEqual(codes(md), [['KQL008', 20], ['KQL008', 24]]);
    const labelled = scan.files.find((f) => f.path === 'md/Labelled.md')!;
    assert.equal(labelled.rules.length, 1);
    assert.deepEqual(codes(labelled), [['KQL008', 10]]);
    assert.equal(isQueryShaped('ls -la /tmp'), false, 'a shell line Kusto reads as arithmetic is not a query');
    assert.equal(isQueryShaped('whoami'), false);
    assert.equal(isQueryShaped('T\n| where x == 1'), true);
  });

  it('JSON: a broken document is an error at its line; a workbook is skipped', () => {
    const broken = scan.files.find((f) => f.path === 'json/broken.json')!;
    assert.equal(broken.outcome, 'error');
    assert.equal(broken.diagnostics[0]?.code, 'GEN003');
    assert.equal(scan.files.find((f) => f.path === 'json/workbook.json')!.outcome, 'skipped');
  });

  it('the folder is recognised as KQL without --format', () => {
    assert.equal(detectFormat(ROOT), 'kusto');
    assert.equal(detectFormat(fixture('kusto', 'anywhere', 'md')), 'kusto', 'Markdown with C# fences alone');
    assert.equal(detectFormat(fixture('kusto', 'anywhere', 'json')), 'kusto', 'ARM and Defender JSON alone');
    const other = tempDir('detwiki-notkql-');
    writeFileSync(path.join(other, 'README.md'), '# Tools\n\n```bash\nls -la /tmp | grep x\n```\n');
    writeFileSync(path.join(other, 'rule.yml'), 'title: x\n');
    assert.equal(detectFormat(other), undefined, 'a folder of shell snippets is not taken for KQL');
  });
});

describe('KQL in JSON strings: positions through escapes', () => {
  it('maps a syntax error in an ARM query to its file line and column', () => {
    const text = '{\n  "resources": [{\n    "type": "x/alertRules",\n    "properties": {"displayName": "d", "query": "T\\n| where \\u0027a\\u0027 ==\\n| take 1"}\n  }]\n}\n';
    const r = parseKqlJson('t.json', text, { repository: 'x' });
    assert.equal(r.outputs.length, 1);
    const d = r.outputs[0]!.rule.diagnostics.find((x) => x.code === 'KQL001');
    assert.ok(d, 'the broken where is reported');
    assert.equal(d.line, 4);
    // the error sits at the escaped newline after `==`: column of `\n| take` in the file
    assert.equal(d.column, text.split('\n')[3]!.indexOf('\\n| take') + 1);
  });

  it('decoded offsets step over escapes', () => {
    const text = '{"q": "a\\"b\\u0041c"}';
    const lit = locateJsonStrings(text)!.get('/q')!;
    const map = jsonStringMapper(text, lit);
    const decoded = JSON.parse(text).q as string;
    assert.equal(decoded, 'a"bAc');
    assert.deepEqual([0, 1, 2, 3, 4].map(map), [7, 8, 10, 11, 17]);
    assert.equal(lineColAt(text, map(4)).column, 18);
  });
});

describe('comment headers', () => {
  it('reads keys, ids and links; prose is the description', () => {
    const m = readCommentMeta(['Detect a thing', 'Author - Someone', 'Tactics: Persistence, Privilege Escalation', 'see https://x.org/a and T1098', 'Name: not a title key']);
    assert.equal(m.title, undefined);
    assert.equal(m.author, 'Someone');
    assert.deepEqual(m.attack.map((a) => a.techniqueId ?? a.tactic), ['T1098', 'Persistence', 'Privilege Escalation']);
    assert.deepEqual(m.references, ['https://x.org/a']);
    assert.match(m.description ?? '', /^Detect a thing/);
  });
});
