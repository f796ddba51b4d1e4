/**
 * Splunk's own files of searches: an app's savedsearches.conf (one rule per stanza with a search, alert settings,
 * Enterprise Security annotations), macros.conf (expanded into the searches), and plain .spl files; the .conf
 * reader's continuation lines, comments and offsets; Anvilogic's Armory layout; rex / regex patterns written outside quotes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { detectFormat } from '../src/formats/detect.ts';
import { vocabularyFor } from '../src/formats/vocabularies.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { parseSplunkMarkdown } from '../src/formats/splunk/markdown.ts';
import { scanSource } from '../src/formats/scan.ts';
import { readConf, setting } from '../src/formats/splunk/conf.ts';
import { splunkAdapter } from '../src/formats/splunk/index.ts';
import { parseSpl } from '../src/formats/splunk/parser.ts';
import { lowerPipeline } from '../src/formats/splunk/lower.ts';
import { describeCount } from '../src/model/aggregate.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { renderExpr } from '../src/model/render.ts';
import { tempDir } from './helpers/tempDir.ts';

const SAVED = `# an app's correlation searches
[default]
dispatch.earliest_time = -24h

[Endpoint - Encoded PowerShell - Rule]
search = \`sysmon\` EventCode=1 Image="*\\\\powershell.exe" \\
  CommandLine="*-enc*" \\
  | table _time host CommandLine
description = Encoded PowerShell command lines.
action.correlationsearch.enabled = 1
action.correlationsearch.label = Encoded PowerShell
action.correlationsearch.annotations = {"mitre_attack": ["T1059.001", "T1027", "TA0002"]}
action.notable = 1
action.notable.param.severity = high
cron_schedule = */15 * * * *

[Failed logons burst]
search = index=wineventlog EventCode=4625
counttype = number of events
relation = greater than
quantity = 20
alert.severity = 4
disabled = 1

[Weekly logon report]
search = index=wineventlog EventCode=4624 | stats count by user

[Not a search]
description = a stanza without a search
this line has no equals sign
`;

const MACROS = `[sysmon]
definition = index=sysmon sourcetype=XmlWinEventLog

[by_host(1)]
args = h
definition = host=$h$
`;

describe('.conf reader', () => {
  it('stanzas, settings, continuation lines (the line break kept, the backslash dropped), comments, offsets into the file', () => {
    const conf = readConf(SAVED);
    assert.deepEqual(conf.stanzas.map((s) => s.name), ['default', 'Endpoint - Encoded PowerShell - Rule', 'Failed logons burst', 'Weekly logon report', 'Not a search']);
    const s = setting(conf.stanzas[1]!, 'search')!;
    assert.equal(s.value, '`sysmon` EventCode=1 Image="*\\\\powershell.exe" \n  CommandLine="*-enc*" \n  | table _time host CommandLine');
    const i = s.value.indexOf('CommandLine="');
    assert.equal(SAVED.slice(s.toFile(i), s.toFile(i) + 13), 'CommandLine="');
    assert.deepEqual(conf.errors.map((e) => SAVED.slice(e.offset, e.offset + 9)), ['this line']);
    assert.equal(SAVED.slice(conf.stanzas[2]!.at, conf.stanzas[2]!.end).trim().split('\n')[0], '[Failed logons burst]');
  });
});

describe('savedsearches.conf, macros.conf and .spl files', () => {
  const dir = tempDir('detwiki-splunk-conf-');
  mkdirSync(path.join(dir, 'default'));
  writeFileSync(path.join(dir, 'default', 'savedsearches.conf'), SAVED);
  writeFileSync(path.join(dir, 'default', 'macros.conf'), MACROS);
  writeFileSync(path.join(dir, 'hunt_rdp.spl'), 'index=wineventlog EventCode=4624 Logon_Type=10 `by_host(dc01)`\n');
  const scan = scanSource(splunkAdapter, dir, { repository: 'test/app' });

  it('every file accounted for: the saved searches parsed, macros.conf support, its bad line a warning at file:line', async () => {
    const r = await scan;
    assert.deepEqual(r.files.map((f) => `${f.path} ${f.outcome}`).sort(), ['default/macros.conf support', 'default/savedsearches.conf parsed', 'hunt_rdp.spl parsed']);
    const saved = r.files.find((f) => f.path === 'default/savedsearches.conf')!;
    assert.deepEqual(saved.diagnostics.filter((d) => d.code === 'SPL009').map((d) => d.line), [SAVED.slice(0, SAVED.indexOf('this line')).split('\n').length]);
  });

  it('a correlation search: title from its label, ATT&CK from its annotations, severity, the macro expanded, spans in the file', async () => {
    const r = (await scan).rules.find((x) => x.title === 'Encoded PowerShell')!;
    assert.equal(r.kind, 'detection');
    assert.match(r.kindReason ?? '', /action.correlationsearch.enabled/);
    assert.deepEqual(r.attackDeclared.map((a) => a.techniqueId ?? `bad:${a.text}`), ['T1059.001', 'T1027', 'bad:TA0002']);
    assert.equal(r.severity, 'high');
    assert.equal(r.logic.completeness, 'complete');
    assert.equal(renderExpr(r.logic.condition!), 'EventCode eq 1 and Image wildcard "*\\\\powershell.exe" and CommandLine wildcard "*-enc*"');
    assert.equal(evaluate(r.logic.condition!, { EventCode: 1, Image: 'C:\\Windows\\PowerShell.exe', CommandLine: 'powershell -EncodedCommand x' }), true);
    assert.ok(r.logSources.some((l) => l.name === 'sysmon' || l.name === 'XmlWinEventLog'), JSON.stringify(r.logSources));
    const cond = r.logic.condition!;
    assert.ok(cond.kind === 'and');
    const third = cond.args[2]!;
    assert.ok(third.kind === 'pred' && third.span);
    const span = third.span;
    assert.equal(SAVED.slice(span.start, span.end), 'CommandLine="*-enc*"');
    assert.equal(r.body[0]!.range!.start, SAVED.indexOf('[Endpoint'));
  });

  it('an alert on the number of events is a count threshold; a report is a hunting query; stanzas without a search are not rules', async () => {
    const rules = (await scan).rules;
    const burst = rules.find((x) => x.title === 'Failed logons burst')!;
    assert.equal(burst.kind, 'detection');
    assert.equal(burst.logic.completeness, 'complete');
    assert.equal(describeCount(burst.logic.aggregation!), 'alerts when more than 20 matching events are seen over the whole run');
    assert.equal(burst.facts['disabled'], true);
    assert.equal(burst.severity, 'medium');
    const report = rules.find((x) => x.title === 'Weekly logon report')!;
    assert.equal(report.kind, 'hunting');
    assert.deepEqual(rules.map((x) => x.title).sort(), ['Encoded PowerShell', 'Failed logons burst', 'Weekly logon report', 'hunt_rdp']);
  });

  it('a Splunk app folder (default/savedsearches.conf) is recognised as Splunk without --format', () => {
    assert.equal(detectFormat(dir, false), 'splunk');
  });

  it('a .spl file is one search; macros.conf macros with arguments expand into it', async () => {
    const r = (await scan).rules.find((x) => x.title === 'hunt_rdp')!;
    assert.equal(r.kind, 'hunting');
    assert.equal(renderExpr(r.logic.condition!), 'EventCode eq 4624 and Logon_Type eq 10 and host eq[ci] "dc01"');
  });
});

const NOTES = `# Execution detections

## Encoded PowerShell

**What it detects:** PowerShell with an encoded command.

**ATT&CK:** T1059.001 - PowerShell

\`\`\`spl
index=sysmon sourcetype="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=1
Image="*\\\\powershell.exe"
| where like(lower(CommandLine), "%-enc%")
| table _time host CommandLine
\`\`\`

Output of a run:

\`\`\`
_time host CommandLine
\`\`\`

## Failed logons

| Tactic | Technique |
|---|---|
| Credential Access | [T1110](https://attack.mitre.org/techniques/T1110/) |

\`\`\`splunk
source="WinEventLog:Security" EventCode=4625 | stats count by user | where count > 10
\`\`\`

\`\`\`splunk
source="WinEventLog:Security" EventCode=4625 user=admin
\`\`\`
`;

describe('SPL searches in Markdown (a team\'s notes)', () => {
  const dir = tempDir('detwiki-splunk-md-');
  writeFileSync(path.join(dir, 'execution.md'), NOTES);
  writeFileSync(path.join(dir, 'README.md'), '# Our detections\n\n```python\nprint(1)\n```\n');
  const scan = scanSource(splunkAdapter, dir, { repository: 'test/notes' });

  it('each code block labelled spl or splunk is a rule: the heading above it, its section\'s text and ATT&CK; other blocks are not', async () => {
    const r = await scan;
    assert.deepEqual(r.files.map((f) => `${f.path} ${f.outcome}`).sort(), ['README.md skipped', 'execution.md parsed']);
    assert.match(r.files.find((f) => f.path === 'README.md')!.reason!, /Markdown without a code block labelled spl or splunk/);
    assert.deepEqual(r.rules.map((x) => `${x.id} | ${x.title}`), ['splunk/execution_encoded_powershell | Encoded PowerShell', 'splunk/execution_failed_logons | Failed logons', 'splunk/execution_failed_logons_2 | Failed logons (2)']);
    const [ps, failed] = r.rules;
    assert.match(ps!.description ?? '', /^\*\*What it detects:\*\* PowerShell with an encoded command\./);
    assert.deepEqual(ps!.attackDeclared.map((a) => a.techniqueId), ['T1059.001']);
    assert.deepEqual(failed!.attackDeclared.map((a) => a.techniqueId), ['T1110']);
    assert.equal(ps!.logic.completeness, 'complete');
    assert.equal(renderExpr(ps!.logic.condition!), 'EventCode eq 1 and Image wildcard "*\\\\powershell.exe" and CommandLine wildcard[like] "%-enc%"');
    assert.equal(describeCount(failed!.logic.aggregation!), 'alerts when more than 10 matching events are seen per user over the whole run; events without user are not counted');
    // the body is the rule's section of the file; a predicate's span is where the file has it
    const body = ps!.body[0]!;
    assert.equal(NOTES.slice(body.range!.start, body.range!.end).split('\n')[0], '## Encoded PowerShell');
    const cond = ps!.logic.condition!;
    assert.ok(cond.kind === 'and' && cond.args[1]!.kind === 'pred' && cond.args[1]!.span);
    const span = (cond.args[1] as { span: { start: number; end: number } }).span;
    assert.equal(NOTES.slice(span.start, span.end), 'Image="*\\\\powershell.exe"');
  });

  it('a large file of many searches: each rule\'s body is its section alone (named file:line), not the whole file once a rule; read in linear time', () => {
    const many = '# Many\n\n' + Array.from({ length: 3000 }, (_, i) => `## Search ${i}\n\nNote ${i}.\n\n\`\`\`spl\nindex=x EventCode=${i}\n\`\`\`\n`).join('\n');
    assert.ok(many.length > 64 * 1024);
    const t0 = performance.now();
    const r = parseSplunkMarkdown('many.md', many, { repository: 'test' }, new Map());
    assert.ok(performance.now() - t0 < 5000);
    assert.equal(r.rules.length, 3000);
    const last = r.rules[2999]!;
    assert.equal(last.body[0]!.path, `many.md:${many.slice(0, many.indexOf('## Search 2999')).split('\n').length}`);
    assert.match(last.body[0]!.text, /^## Search 2999\n\nNote 2999\.\n\n```spl\nindex=x EventCode=2999\n```\n/);
    assert.equal(last.body[0]!.range, undefined);
    assert.equal(last.description, 'Note 2999.');
    // blocks with no heading above them, or several under one: their parts do not overlap, the file is stored once
    const bare = '```spl\nindex=x a=1\n```\n'.repeat(5000);
    const parts = parseSplunkMarkdown('bare.md', bare, { repository: 'test' }, new Map()).rules.map((x) => x.body[0]!.text);
    assert.equal(parts.length, 5000);
    assert.equal(parts.join(''), bare);
    assert.equal(parseSplunkMarkdown('bare.md', bare, { repository: 'test' }, new Map()).rules[4999]!.body[0]!.path, 'bare.md:14998');
  });

  it('the folder is recognised as Splunk; a search over a Windows event log by its sourcetype reads that log (Sysmon: by EventCode)', async () => {
    assert.equal(detectFormat(dir), 'splunk');
    const [ps, failed] = (await scan).rules;
    const splunk = vocabularyFor('splunk')!;
    assert.deepEqual(splunk.logSources(ps!), ['windows.process_creation']);
    assert.deepEqual(splunk.logSources(failed!), ['windows.security']);
    // the hunt routes it there, through the Windows add-on's reading of the event
    const engine = new HuntEngine([ps!]);
    const event = { Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'ws1', Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } } }, EventData: { Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: 'powershell -Enc SQBFAFgA' } } };
    assert.deepEqual(engine.run(event).results.map((x) => `${x.rule.rule.id} ${x.truth}`), ['splunk/execution_encoded_powershell true']);
    const other = { Event: { ...event.Event, EventData: { ...event.Event.EventData, CommandLine: 'powershell -File x.ps1' } } };
    assert.deepEqual(engine.run(other).results.filter((x) => x.truth !== false), []);
  });
});

describe('.conf files that are not well formed', () => {
  it('a value continued over 50,000 lines, a binary blob and an unclosed stanza are read in linear time, never thrown', () => {
    const long = '[s]\nsearch = index=x \\\n' + 'a=1 \\\n'.repeat(50_000) + 'b=2\n';
    const t0 = performance.now();
    const conf = readConf(long);
    const v = setting(conf.stanzas[0]!, 'search')!;
    assert.equal(v.value.split('\n').length, 50_002);
    // every character maps to itself in the file; a line break to the backslash that continued the line
    for (let i = 0; i < v.value.length; i += 997) assert.equal(long[v.toFile(i)], v.value[i] === '\n' ? '\\' : v.value[i]);
    assert.ok(performance.now() - t0 < 2000);
    const bin = readConf('\u0000\u0001[x\n\u00ff\u00fe = \\');
    assert.equal(bin.errors.length, 1); // the first line; the second is a setting whose value continues past the end
    assert.equal(bin.stanzas[0]!.settings[0]!.key, '\u00ff\u00fe');
  });
});

describe("Anvilogic's Armory layout: a YAML per rule, its logic in the language logic_format names", () => {
  // invented rules in the layout's fields (title, logic_format, logic, technique_id, techniques, data_category)
  const SPL_RULE = `id: '1.2'
title: Encoded PowerShell
description: Encoded PowerShell command lines.
logic_format: Splunk
logic: '\`get_endpoint_data\` Image="*\\\\powershell.exe" CommandLine="*-enc*"
  | rex field=CommandLine (?<arg>"-enc\\S*") | table _time, host, CommandLine'
techniques:
- execution:powershell
- defense-evasion:obfuscated files or information
technique_id:
- T1059.001
- T1027
data_category:
- Endpoint
references:
- https://example.com/ps
`;
  const SQL_RULE = `id: '1.3'
title: Encoded PowerShell
description: The same in Snowflake.
logic_format: snowflake
logic: select * from endpoint where command_line ilike '%-enc%'
techniques: []
technique_id: []
data_category: []
references: []
`;
  const dir = tempDir('detwiki-armory-');
  mkdirSync(path.join(dir, 'detections', 'endpoint', 'encoded_powershell'), { recursive: true });
  writeFileSync(path.join(dir, 'detections', 'endpoint', 'encoded_powershell', 'encoded_powershell-splunk-edr.yml'), SPL_RULE);
  writeFileSync(path.join(dir, 'detections', 'endpoint', 'encoded_powershell', 'encoded_powershell-snowflake-edr.yml'), SQL_RULE);
  const scan = scanSource(splunkAdapter, dir, { repository: 'test/armory' });

  it('recognised as Splunk without --format; the SPL rule parsed, the Snowflake one skipped with its language named', async () => {
    assert.equal(detectFormat(dir), 'splunk');
    const r = await scan;
    assert.deepEqual(r.files.map((f) => `${f.path.split('/').pop()} ${f.outcome} ${f.reason ?? ''}`.trim()).sort(), [
      'encoded_powershell-snowflake-edr.yml skipped an Anvilogic Armory rule whose logic is snowflake, not SPL: no adapter reads that language',
      'encoded_powershell-splunk-edr.yml parsed',
    ]);
  });

  it('title, description, ATT&CK ids, tags, data category and references from their fields; the logic lowered, its undefined macro opaque', async () => {
    const [rule] = (await scan).rules;
    assert.equal(rule!.title, 'Encoded PowerShell');
    assert.equal(rule!.nativeId, '1.2');
    assert.deepEqual(rule!.attackDeclared.map((a) => a.techniqueId), ['T1059.001', 'T1027']);
    assert.deepEqual(rule!.tags, ['execution:powershell', 'defense-evasion:obfuscated files or information']);
    assert.ok(rule!.logSources.some((l) => l.kind === 'data_category' && l.name === 'Endpoint'), JSON.stringify(rule!.logSources));
    assert.deepEqual(rule!.references, ['https://example.com/ps']);
    assert.equal(rule!.logic.completeness, 'partial');
    assert.match(renderExpr(rule!.logic.condition!), /^<opaque: `get_endpoint_data`> and Image wildcard "\*\\\\powershell\.exe" and CommandLine wildcard "\*-enc\*"$/);
    // the rex whose regex is written half outside quotes: its field is not read, with the reason
    const rex = rule!.logic.stages.find((s) => s.label === 'rex');
    assert.deepEqual(rex?.detail?.['extracts'], ['arg']);
  });
});

describe('rex and regex with a regular expression not written as one double-quoted string', () => {
  const lower = (q: string) => {
    const p = parseSpl(q);
    assert.ok(p.ok, q);
    return lowerPipeline({ pipeline: p.value, text: q, span: (r) => ({ file: 'q', ...r }), source: (r) => q.slice(r.start, r.end), macroAt: () => undefined });
  };
  it('parses; a field it extracts, and the regex filter, are opaque with the reason; the search before them is read', () => {
    const rex = lower('index=x a=1 | rex field=p (?<ioc>"(?i)\\S+\\.go") | where ioc="x.go"');
    assert.equal(renderExpr(rex.condition!), 'a eq 1 and <opaque: ioc="x.go">');
    const opaquePart = rex.condition!.kind === 'and' ? rex.condition!.args[1] : undefined;
    assert.match(opaquePart?.kind === 'opaque' ? opaquePart.reason : '', /rex: ioc is extracted from p by a regular expression \(the regular expression \(\?<ioc>"\(\?i\)\\S\+\\\.go"\) is not one double-quoted string/);
    for (const q of ['x | rex field=p "(?<f>\\S+\\.dmp")', 'x | rex field=_raw "[^\\w]"(?<p>"(ssh)")"[^\\w]"| table p', 'x | regex auid=^\\d+']) assert.ok(parseSpl(q).ok, q);
    const re = lower('x | regex auid!=^\\d+$');
    assert.match(renderExpr(re.condition!), /<opaque: regex auid!=\^\\d\+\$>/);
  });
  it('a quoted regex right before a subsearch\'s closing bracket stays a quoted regex (the bracket is not part of it)', () => {
    const p = parseSpl('x | join d [search y | rex field=q "(?<d>\\w+\\.\\w+)"] | table d');
    assert.ok(p.ok);
    assert.equal(p.value.commands.length, 3);
  });
});
