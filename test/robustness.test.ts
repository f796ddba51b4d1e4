/**
 * Hostile input for every adapter: a file over the size limit, a YAML alias bomb, deep nesting, binary content,
 * invalid UTF-8, a regex built to backtrack. Each gets a diagnostic (or a clean skip) and never takes the good
 * rule of the same source down; no adapter crashes (GEN004).
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { adapterFor } from '../src/formats/registry.ts';
import { scanSource } from '../src/formats/scan.ts';
import { collectionKey, loadYaml } from '../src/formats/yaml.ts';
import { LIMITS } from '../src/model/diagnostics.ts';
import { evaluate } from '../src/model/evaluate.ts';
import type { Format } from '../src/model/facts.ts';
import { tempDir } from './helpers/tempDir.ts';

const tmp = tempDir('detwiki-hostile-');
after(() => rmSync(tmp, { recursive: true, force: true }));

const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
  .concat(Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`))
  .join('\n');
const deep = '['.repeat(20000) + ']'.repeat(20000);
const huge = 'x: "' + 'A'.repeat(LIMITS.maxFileBytes + 10) + '"\n';
const binary = Buffer.from([0x00, 0xff, 0xfe, 0x00, 0x13, 0x37, 0x00, 0x00, 0xc3, 0x28]);
// explicit keys nested under the depth limit, around a long plain scalar (a fuzz finding: the yaml library's toJS
// writes each collection key out as text, again at every level; 4 s for this, minutes for 40 KB)
const keys = 'title: x\n' + '? '.repeat(195) + '?\u00bf ' + '? '.repeat(900) + 'x\n';

/** For each format: where rule files live, the extension, and one good rule. */
const CASES: Record<Format, { dir: string; ext: string; good: string; marker?: string[] }> = {
  panther: {
    dir: 'rules',
    ext: 'yml',
    marker: ['global_helpers'],
    good: 'AnalysisType: rule\nRuleID: Good.Rule\nLogTypes: [AWS.CloudTrail]\nSeverity: Low\nDetection:\n  - Key: eventName\n    Condition: Equals\n    Value: ConsoleLogin\n',
  },
  sigma: {
    dir: 'rules',
    ext: 'yml',
    good: 'title: Good\nid: 11111111-1111-1111-1111-111111111111\nlogsource:\n  product: windows\ndetection:\n  sel:\n    Image|endswith: \\good.exe\n    CommandLine|re: \'(a+)+$\'\n  condition: sel\n',
  },
  kusto: {
    dir: 'Detections',
    ext: 'yaml',
    good: 'id: 11111111-1111-1111-1111-111111111111\nname: Good\nseverity: Low\nkind: Scheduled\nquery: |\n  SecurityEvent\n  | where EventID == 4625\n',
  },
  splunk: { dir: 'detections', ext: 'yml', marker: ['macros'], good: 'name: Good\nid: 11111111-1111-1111-1111-111111111111\ntype: TTP\nsearch: index=main EventCode=4625\n' },
  elastic: {
    dir: 'rules',
    ext: 'toml',
    good: '[metadata]\ncreation_date = "2024/01/01"\n\n[rule]\nname = "Good"\nrule_id = "11111111-1111-1111-1111-111111111111"\ntype = "query"\nlanguage = "kuery"\nquery = "event.action : \\"x\\""\nrisk_score = 21\nseverity = "low"\ndescription = "d"\n',
  },
  yaral: { dir: 'rules', ext: 'yaral', good: 'rule good {\n  meta:\n    author = "x"\n  events:\n    $e.metadata.event_type = "USER_LOGIN"\n  condition:\n    $e\n}\n' },
  mql: {
    dir: 'detection-rules',
    ext: 'yml',
    good: 'name: "Good"\ntype: "rule"\nseverity: "low"\nsource: |\n  type.inbound\n',
  },
};

describe('hostile input never takes the other rules down', () => {
  for (const [format, c] of Object.entries(CASES) as [Format, (typeof CASES)[Format]][]) {
    it(format, async () => {
      const root = path.join(tmp, format);
      mkdirSync(path.join(root, c.dir), { recursive: true });
      for (const m of c.marker ?? []) mkdirSync(path.join(root, m), { recursive: true });
      writeFileSync(path.join(root, c.dir, `good.${c.ext}`), c.good);
      writeFileSync(path.join(root, c.dir, `bomb.${c.ext}`), bomb);
      writeFileSync(path.join(root, c.dir, `deep.${c.ext}`), deep);
      writeFileSync(path.join(root, c.dir, `huge.${c.ext}`), huge);
      writeFileSync(path.join(root, c.dir, `binary.${c.ext}`), binary);
      writeFileSync(path.join(root, c.dir, `keys.${c.ext}`), keys);
      const adapter = adapterFor(format)!;
      const t0 = performance.now();
      const res = await scanSource(adapter, root, { repository: `hostile/${format}` });
      const seconds = (performance.now() - t0) / 1000;
      assert.ok(seconds < 20, `${format} took ${seconds.toFixed(1)} s on hostile input`);
      const crashes = res.files.flatMap((f) => f.diagnostics.filter((d) => d.code === 'GEN004').map((d) => `${f.path}: ${d.message}`));
      assert.deepEqual(crashes, [], `${format}: adapter crashed`);
      const good = res.files.find((f) => f.path === `${c.dir}/good.${c.ext}`);
      assert.equal(good?.outcome, 'parsed', `${format}: the good rule was not parsed: ${JSON.stringify(good)}`);
      assert.equal(good.rules.length, 1);
      const hugeFile = res.files.find((f) => f.path === `${c.dir}/huge.${c.ext}`)!;
      assert.ok(hugeFile.outcome === 'error' || hugeFile.outcome === 'skipped', `${format}: huge file ${hugeFile.outcome}`);
      if (hugeFile.outcome === 'error') assert.ok(hugeFile.diagnostics.length > 0);
      for (const name of ['bomb', 'deep', 'binary', 'keys']) {
        const f = res.files.find((x) => x.path === `${c.dir}/${name}.${c.ext}`)!;
        assert.ok(f.outcome === 'error' || f.outcome === 'skipped', `${format}: ${name} gave ${f.outcome}`);
        if (f.outcome === 'error') assert.ok(f.diagnostics.length > 0, `${format}: ${name} error without a diagnostic`);
      }
      // the good rule still evaluates, and a backtracking regex runs in bounded time
      const cond = good.rules[0]!.logic.condition;
      if (cond) evaluate(cond, { Image: 'C:\\good.exe', CommandLine: 'a'.repeat(50_000) + '!' });
    });
  }
});

describe('YAML mapping keys that are mappings or sequences', () => {
  it('are found, written explicitly, in flow, or as an alias of a collection; scalar keys are not', () => {
    const found = (text: string) => {
      const k = collectionKey(parseDocument(text, { uniqueKeys: false }));
      return k ? text.slice(k.range![0], k.range![1]) : undefined;
    };
    assert.equal(found('a: 1\n? - x\n  - y\n: v\n'), '- x\n  - y\n');
    assert.equal(found('a: 1\n[x, y]: v\n'), '[x, y]');
    assert.equal(found('list:\n  - k: 1\n  - {p: 1}: 2\n'), '{p: 1}');
    assert.equal(found('m: &m {p: 1}\n? *m\n: v\n'), '*m');
    assert.equal(found('a: 1\nb: [1, {c: 2}]\n"q": {d: [e]}\n'), undefined);
    assert.equal(found('s: &s x\n? *s\n: v\n'), undefined);
  });

  it('are refused with a diagnostic at their line, before toJS: nested ones no longer take seconds', () => {
    const t0 = performance.now();
    const r = loadYaml('keys.yml', keys);
    const ms = performance.now() - t0;
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.diagnostic.code, 'GEN003');
    assert.equal(r.diagnostic.line, 2);
    assert.match(r.diagnostic.message, /a mapping key that is a mapping or a sequence/);
    assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
    // a rule file with none still loads
    assert.equal(loadYaml('ok.yml', 'title: x\ntags: [a, b]\n').ok, true);
  });
});
