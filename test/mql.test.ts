/**
 * Sublime MQL: grammar (spans, literals, precedence), lowering golden pairs per construct (fixtures of our own under
 * test/fixtures/mql), evaluation against Message Data Model events, error codes with locations, and the sublime
 * corpus when ../shared is present.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseMqlText } from '../src/formats/mql/index.ts';
import { lowerMql } from '../src/formats/mql/lower.ts';
import { parseMql } from '../src/formats/mql/parser.ts';
import type { MqlNode } from '../src/formats/mql/syntax.ts';
import { mqlAdapter } from '../src/formats/mql/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { evaluate, verdict } from '../src/model/evaluate.ts';
import { leaves, type Expr } from '../src/model/expr.ts';
import { renderExpr, renderExprPretty, renderValue } from '../src/model/render.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { lineColAt } from '../src/model/span.ts';
import { assertGolden, fixture, SHARED, SHARED_PRESENT } from './helpers/golden.ts';

const SRC = { repository: 'fixtures/mql' };
const ROOT = fixture('mql');

function ruleOf(rel: string): RuleRecord {
  const res = parseMqlText(rel, readFileSync(path.join(ROOT, rel), 'utf8'), SRC);
  assert.equal(res.rules.length, 1, `${rel} gives one rule`);
  return res.rules[0]!;
}

function parsed(text: string): MqlNode {
  const r = parseMql(text);
  if (!r.ok) assert.fail(`parse failed: ${r.message} at ${r.offset}`);
  return r.value;
}

/** Lower a bare MQL expression (no YAML). */
function lowered(text: string): Expr {
  const low = lowerMql(parsed(text), { file: 'x.mql', mql: text, toFile: (o) => o, lineCol: (o) => ({ line: 1, column: o + 1 }) });
  return low.condition!;
}

/** The golden text of a rule: kind, logic, indicators, exclusions, facts and diagnostics. */
function summary(r: RuleRecord): string {
  const L = r.logic;
  const body = r.body[0]!.text;
  const at = (s: { start: number } | undefined) => (s ? ` @${lineColAt(body, s.start).line}:${lineColAt(body, s.start).column}` : '');
  const out = [
    `kind: ${r.kind} (${r.kindReason})`,
    `completeness: ${L.completeness}`,
    'condition:',
    L.condition ? renderExprPretty(L.condition, 100, '  ') : '  (none)',
    'missing:',
    ...L.missing.map((m) => `  - ${m.text.replace(/\s+/g, ' ')} — ${m.reason}${at(m.span)}`),
    'indicators:',
    ...L.indicators.map((i) => `  ${i.field} ${i.op}${i.cs === undefined ? '' : i.cs ? ' [cs]' : ' [ci]'} ${i.values.map(renderValue).join(', ')}`),
    'exclusions:',
    ...L.exclusions.map((x) => `  ${renderExpr(x.expr)}`),
    `output fields: ${L.outputFields.length}`,
    `facts: ${JSON.stringify(r.facts)}`,
    `diagnostics: ${r.diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`).join(', ')}`,
  ];
  return out.join('\n');
}

describe('MQL grammar', () => {
  it('records spans on every node', () => {
    const text = 'sender.email.domain.root_domain == "x.test" and not any(attachments, .size > 10)';
    const n = parsed(text);
    assert.equal(n.type, 'and');
    if (n.type !== 'and') return;
    const cmp = n.args[0]!;
    assert.equal(cmp.type, 'compare');
    assert.deepEqual(cmp.at, { start: 0, end: 43 });
    const neg = n.args[1]!;
    assert.deepEqual(neg.at, { start: 48, end: text.length });
    if (neg.type !== 'not' || neg.arg.type !== 'call') return assert.fail('not any(...)');
    assert.equal(neg.arg.name, 'any');
    assert.deepEqual(neg.arg.nameAt, { start: 52, end: 55 });
    const lambda = neg.arg.args[1]!.value;
    assert.equal(text.slice(lambda.at.start, lambda.at.end), '.size > 10');
  });
  it('reads both string forms, unicode escapes, numbers and comments', () => {
    const n = parsed(`x in ('it''s', "a\\"b\\u{41}", 'c\\d', 1.5, -2) // trailing comment\n/* block */`);
    if (n.type !== 'in' || n.right.type !== 'tuple') return assert.fail('in tuple');
    assert.deepEqual(
      n.right.items.map((i) => (i.type === 'string' || i.type === 'number' ? i.value : i.type)),
      ["it's", 'a"bA', 'c\\d', 1.5, -2],
    );
  });
  it('precedence: not binds tighter than and, and tighter than or; in~ and not in', () => {
    const e = lowered('a.b == 1 or not c.d in~ ("X") and e.f not in ("y")');
    assert.equal(renderExpr(e), 'a.b eq 1 or (not c.d in["X"] and not e.f in "y")'.replace('in["X"]', 'in[ci] "X"'));
  });
  it('a condition compared with a boolean literal is the condition (or its negation)', () => {
    assert.equal(renderExpr(lowered('regex.imatch(subject.subject, "re:.*") == true and any(attachments, .size > 1) != true')), 'subject.subject regex[ci,fullmatch] "re:.*" and not any(attachments, .size gt 1)');
  });
  it('chained comparisons are conjunctions', () => {
    assert.equal(renderExpr(lowered('0 < length(attachments) <= 3')), 'length(attachments) gt 0 and length(attachments) le 3');
  });
  it('long chains of and / or and of comparisons parse in linear time, as one flat node (a fuzz finding: 3.3 s)', () => {
    const t0 = performance.now();
    const and = parsed(Array.from({ length: 20_000 }, (_, i) => `a${i} == ${i}`).join(' and ')) as MqlNode & { args: MqlNode[] };
    assert.equal(and.type, 'and');
    assert.equal(and.args.length, 20_000);
    assert.deepEqual([and.at.start, and.args[19_999]!.at.end], [0, and.at.end]);
    const or = parsed('x or ' + Array.from({ length: 20_000 }, (_, i) => `b${i}`).join(' or ')) as MqlNode & { args: MqlNode[] };
    assert.equal(or.args.length, 20_001);
    const chain = parsed(Array.from({ length: 5_000 }, (_, i) => `${i}`).join(' < ')) as MqlNode & { args: (MqlNode & { left: { value: unknown } })[] };
    assert.equal(chain.type, 'and');
    assert.equal(chain.args.length, 4_999);
    assert.deepEqual([chain.args[0]!.left.value, chain.args[4_998]!.left.value], [0, 4_998]);
    assert.ok(performance.now() - t0 < 2000, `${(performance.now() - t0).toFixed(0)} ms`);
    // a parenthesised `and` is not extended by the `and` after it: it stays one argument, with its own span
    const grouped = parsed('(a and b) and c') as MqlNode & { args: (MqlNode & { expr?: MqlNode & { args?: MqlNode[] } })[] };
    assert.deepEqual(grouped.args.map((a) => a.type), ['group', 'field']);
    assert.equal(grouped.args[0]!.expr?.args?.length, 2);
  });
  it('`not` on the right of a comparison is a syntax error at the `not`', () => {
    const r = parseMql('subject.subject == not type.inbound');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.offset, 19);
  });
  it('an invalid escape in a double-quoted string is a syntax error at its offset', () => {
    const r = parseMql('subject.subject == "a\\qb"');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.offset, 22);
  });
  it('bounds nesting and size without throwing', () => {
    assert.equal(parseMql('('.repeat(5000) + 'a' + ')'.repeat(5000)).ok, false);
    assert.equal(parseMql('a == "' + 'x'.repeat(1_100_000) + '"').ok, false);
  });
});

describe('MQL files of other kinds', () => {
  it('YAML without name or source is skipped with what it is: a Sigma rule beside the Sublime rules, a configuration', () => {
    const sigma = parseMqlText('sigma-rules/x.yml', 'title: T\nlogsource:\n  product: windows\ndetection:\n  sel:\n    a: 1\n  condition: sel\n', SRC);
    assert.deepEqual([sigma.outcome, sigma.reason], ['skipped', 'a Sigma rule (logsource and detection), not a Sublime rule']);
    assert.equal(parseMqlText('config.yml', 'lint: true\n', SRC).reason, 'YAML without name or source: not a Sublime rule');
    // a rule with a source but no name is still a rule, with its diagnostic
    const noName = parseMqlText('detection-rules/x.yml', 'source: type.inbound\n', SRC);
    assert.equal(noName.outcome, 'parsed');
    assert.deepEqual(noName.diagnostics.map((d) => d.code), ['GEN006']);
  });
});

describe('MQL lowering', () => {
  it('any / all over arrays nest with element-relative fields (. and ..)', () => {
    const e = lowered('any(body.links, any(recipients.to, strings.icontains(..href_url.url, .email.local_part)))');
    assert.equal(renderExpr(e), 'any(body.links, any(recipients.to, ..href_url.url contains field(.email.local_part)))');
    const fields = [...leaves(e)].map((l) => (l.kind === 'pred' ? `${l.field} ${renderValue(l.values[0]!)}` : l.text));
    assert.deepEqual(fields, ['body.links[].href_url.url field(recipients.to[].email.local_part)']);
  });
  it('filter and map fold into the quantifier; inline arrays expand', () => {
    assert.equal(renderExpr(lowered('any(filter(attachments, .size > 5), .file_type == "pdf")')), 'any(attachments, attachments.size gt 5 and .file_type eq "pdf")'.replace('attachments.size', '.size'));
    assert.equal(renderExpr(lowered('all(map(attachments, .file_name), strings.iends_with(., ".pdf"))')), 'all(attachments, .file_name ends_with ".pdf")');
    assert.equal(renderExpr(lowered('any([subject.subject, sender.display_name], strings.icontains(., "urgent"))')), 'subject.subject contains "urgent" or sender.display_name contains "urgent"');
    assert.equal(renderExpr(lowered('any(headers.hops, "x-a" in~ map(.fields, .name))')), 'any(headers.hops, any(.fields, .name eq[ci] "x-a"))');
  });
  it('an array-valued insight matches when the array is non-empty', () => {
    assert.equal(renderExpr(lowered('map(filter(attachments, .size > 5), .file_name)')), 'any(attachments, .size gt 5 and .file_name is_not_null)');
    assert.equal(renderExpr(lowered('filter(map(attachments, .file_name), strings.ends_with(., ".js"))')), 'any(attachments, .file_name ends_with[cs] ".js")');
    assert.equal(renderExpr(lowered('filter([sender.display_name], strings.icontains(., "x"))')), 'sender.display_name contains "x"');
  });
  it('string and regex functions keep their case rules', () => {
    assert.equal(renderExpr(lowered('strings.contains(subject.subject, "A")')), 'subject.subject contains[cs] "A"');
    assert.equal(renderExpr(lowered('strings.ilike(subject.subject, "*a?c*")')), 'subject.subject wildcard "*a?c*"');
    assert.equal(renderExpr(lowered('strings.like(subject.subject, "*A*")')), 'subject.subject wildcard[cs] "*A*"');
    assert.equal(renderExpr(lowered("regex.imatch(subject.subject, 'a.*')")), 'subject.subject regex[ci,fullmatch] "a.*"');
    assert.equal(renderExpr(lowered("regex.contains(subject.subject, 'a.*')")), 'subject.subject regex "a.*"');
    assert.equal(renderExpr(lowered('sender.display_name =~ "Bob"')), 'sender.display_name eq[ci] "Bob"');
  });
  it('platform functions, lists and arithmetic are opaque with a category and what they compute', () => {
    const reasons = (t: string) => [...leaves(lowered(t))].filter((l) => l.kind === 'opaque').map((l) => (l.kind === 'opaque' ? l.reason.split(' (')[0] : ''));
    assert.deepEqual(reasons('profile.by_sender().solicited'), ['enrichment: profile.by_sender']);
    assert.deepEqual(reasons('any(ml.nlu_classifier(body.current_thread.text).intents, .name == "bec")'), ['enrichment: ml.nlu_classifier']);
    assert.deepEqual(reasons('sender.email.domain.root_domain in $free_email_providers'), ['list: $free_email_providers']);
    // the distance to a value the rule computes: opaque (to a text or another field it is a derived value: the next test)
    assert.deepEqual(reasons('strings.ilevenshtein(strings.replace_confusables(sender.display_name), "paypal") <= 2'), ['function: strings.ilevenshtein']);
    assert.deepEqual(reasons('length(body.html.raw) / 2 > 10'), ['arithmetic: a number computed from length(body.html.raw) / 2']);
  });
  it('strings.levenshtein / ilevenshtein of a field and a text: the edit distance as a derived value, evaluated', () => {
    const e = lowered('strings.ilevenshtein(sender.display_name, "PayPal") <= 1');
    assert.equal(renderExpr(e), 'ilevenshtein(sender.display_name, "PayPal") le 1');
    const on = (name: unknown) => evaluate(e, { sender: { display_name: name } });
    assert.equal(on('paypal'), true, 'case-insensitive: distance 0');
    assert.equal(on('PayPa1'), true, 'one substitution');
    assert.equal(on('Pay-Pal Inc'), false, 'five edits');
    assert.equal(on(null), 'unknown', 'null: no distance, MQL\'s null propagates as a null field\'s does');
    assert.equal(on('x'.repeat(200_000)), 'unknown', 'past the bound on the work one distance may take');
    // case-sensitive, and the text first: the distance is symmetric
    const cs = lowered('strings.levenshtein("PayPal", sender.display_name) == 0');
    assert.equal(evaluate(cs, { sender: { display_name: 'PayPal' } }), true);
    assert.equal(evaluate(cs, { sender: { display_name: 'paypal' } }), false);
    // by code point: one emoji is one edit
    assert.equal(evaluate(lowered('strings.levenshtein(subject.subject, "ok") == 1'), { subject: { subject: 'ok😀' } }), true);
    // inside a loop over an inline list, the item as the text
    const loop = lowered("any(['amazon', 'paypal'], strings.ilevenshtein(sender.email.domain.sld, .) == 1)");
    assert.equal(evaluate(loop, { sender: { email: { domain: { sld: 'paypa1' } } } }), true);
    assert.equal(evaluate(loop, { sender: { email: { domain: { sld: 'paypal' } } } }), false);
    // between two fields: a link's domain and the sender's, the other read for each link
    const two = lowered('any(body.links, strings.levenshtein(.href_url.domain.sld, sender.email.domain.sld) <= 2)');
    assert.equal(renderExpr(two), 'any(body.links, levenshtein(.href_url.domain.sld, field(sender.email.domain.sld)) le 2)');
    const ev = (link: string, sender: string | null) => ({ body: { links: [{ href_url: { domain: { sld: link } } }] }, sender: { email: { domain: { sld: sender } } } });
    assert.equal(evaluate(two, ev('paypa1', 'paypal')), true);
    assert.equal(evaluate(two, ev('google', 'paypal')), false);
    assert.equal(evaluate(two, ev('paypal', null)), 'unknown', 'a null other field: null in MQL');
  });
  it('strings.count / icount of a field and a text: occurrences as a derived value (unknown where they overlap)', () => {
    const e = lowered('strings.icount(subject.subject, "NA") == 6');
    assert.equal(renderExpr(e), 'icount(subject.subject, "NA") eq 6');
    // Sublime's documented example: "Banana nana nana" holds "na" six times
    assert.equal(evaluate(lowered('strings.count(subject.subject, "na") == 6'), { subject: { subject: 'Banana nana nana' } }), true);
    assert.equal(evaluate(e, { subject: { subject: 'BaNaNa NaNa NaNa' } }), true);
    assert.equal(evaluate(lowered('strings.count(subject.subject, "aa") > 0'), { subject: { subject: 'aaa' } }), 'unknown', 'overlapping: not documented which count is meant');
    // the substring from a field, or the text first: not a count of a field by a text, opaque
    const reasons = (t: string) => [...leaves(lowered(t))].filter((l) => l.kind === 'opaque').map((l) => (l.kind === 'opaque' ? l.reason.split(' (')[0] : ''));
    assert.deepEqual(reasons('strings.icount(body.current_thread.text, sender.email.local_part) > 1'), ['function: strings.icount']);
    assert.deepEqual(reasons('strings.count("a b c", subject.subject) > 1'), ['function: strings.count']);
  });
  it('regex.count / icount of a field by a pattern: matches as a derived value (unknown where one is empty)', () => {
    const e = lowered("regex.icount(body.current_thread.text, 'inv[o0]ice') >= 2");
    assert.equal(renderExpr(e), 'iregex_count(body.current_thread.text, "inv[o0]ice") ge 2');
    const on = (text: unknown) => evaluate(e, { body: { current_thread: { text } } });
    assert.equal(on('INVOICE and inv0ice'), true);
    assert.equal(on('one invoice'), false);
    assert.equal(on(null), 'unknown', 'null propagates');
    // code points: one emoji is one match of a class outside ASCII
    assert.equal(evaluate(lowered("regex.count(subject.subject, '[^\\x00-\\x7F]') == 2"), { subject: { subject: 'a😀é' } }), true);
    // case-sensitive; a pattern that matches the empty string is unknown where it does
    assert.equal(evaluate(lowered("regex.count(subject.subject, 'A') == 1"), { subject: { subject: 'aA' } }), true);
    assert.equal(evaluate(lowered("regex.count(subject.subject, 'x*') > 0"), { subject: { subject: 'ab' } }), 'unknown');
    // the pattern from a field, or a count of a value the rule computes: opaque
    const opaqueOf = (t: string) => [...leaves(lowered(t))].filter((l) => l.kind === 'opaque').length;
    assert.equal(opaqueOf('regex.count(body.current_thread.text, sender.display_name) > 1'), 1);
  });
  it('strings.concat of texts and one field: a value computed from the field, as a pattern or an operand', () => {
    // the loop item's text between line breaks, looked for in the body (case-insensitive)
    const e = lowered('any(body.links, strings.icontains(body.current_thread.text, strings.concat("\\n", .display_text, "\\n")))');
    assert.equal(renderExpr(e), 'any(body.links, body.current_thread.text contains field(strcat("\\n", .display_text, "\\n")))');
    const ev = (text: string, link: string | null) => ({ body: { links: [{ display_text: link }], current_thread: { text } } });
    assert.equal(evaluate(e, ev('Hi\nCLICK\nthanks', 'click')), true);
    assert.equal(evaluate(e, ev('Hi\nclicked\nthanks', 'click')), false);
    assert.equal(evaluate(e, ev('Hi', null)), 'unknown', 'concat(null, …) is null in MQL: the test is null');
    // a domain after "@", as the rules compare a return path with the sender
    const at = lowered('strings.iends_with(headers.return_path.local_part, strings.concat("@", sender.email.domain.domain))');
    assert.equal(evaluate(at, { headers: { return_path: { local_part: 'x@EVIL.com' } }, sender: { email: { domain: { domain: 'evil.com' } } } }), true);
    // texts alone are a text; two fields are not a derived value (opaque)
    assert.equal(renderExpr(lowered('sender.email.email == strings.concat("a", "@", "b.com")')), 'sender.email.email eq "a@b.com"');
    const reasons = [...leaves(lowered('sender.email.email == strings.concat(sender.email.local_part, "@", sender.email.domain.domain)'))].filter((l) => l.kind === 'opaque');
    assert.equal(reasons.length, 1);
  });
  it('length(distinct(…)): the number of key values, certain however MQL groups a null key', () => {
    const e = lowered('length(distinct(body.links, .href_url.domain.root_domain)) < 3');
    assert.equal(renderExpr(e), 'length(distinct(body.links, .href_url.domain.root_domain)) lt 3');
    const links = (...ds: (string | null)[]) => ({ body: { links: ds.map((d) => ({ href_url: { domain: { root_domain: d } } })) } });
    assert.equal(evaluate(e, links('a.com', 'a.com', 'b.com', 'b.com', 'a.com')), true, 'two domains in five links');
    assert.equal(evaluate(e, links('a.com', 'b.com', 'c.com')), false);
    assert.equal(evaluate(e, links('A.com', 'a.com', 'b.com')), false, 'distinct is exact: case differs');
    assert.equal(evaluate(e, links()), true, 'no link: none');
    assert.equal(evaluate(e, { body: {} }), 'unknown', 'a missing array is null in MQL');
    // a link without a domain: its null may be dropped, a group of its own, or one per link
    assert.equal(evaluate(e, links('a.com', null)), true, 'at most 2 either way');
    assert.equal(evaluate(e, links('a.com', 'b.com', null)), 'unknown', '2 or 3');
    assert.equal(evaluate(lowered('length(distinct(body.links, .href_url.domain.root_domain)) >= 2'), links('a.com', 'b.com', null)), true);
    // filter first, then group: the domains of the links that pass
    const f = lowered('length(distinct(filter(body.links, .href_url.domain.root_domain != "a.com"), .href_url.domain.root_domain)) == 1');
    assert.equal(renderExpr(f), 'length(distinct(filter(body.links, .href_url.domain.root_domain ne "a.com"), .href_url.domain.root_domain)) eq 1');
    assert.equal(evaluate(f, links('a.com', 'b.com', 'a.com', 'b.com')), true);
    assert.equal(evaluate(f, links('a.com', 'b.com', 'c.com')), false);
    // map then distinct: the distinct mapped values; a value a number or a text is typed
    const m = lowered('length(distinct(map(attachments, .file_extension))) == 2');
    assert.equal(evaluate(m, { attachments: [{ file_extension: 'pdf' }, { file_extension: 'PDF' }, { file_extension: 'pdf' }] }), true);
    assert.equal(evaluate(lowered('length(distinct(map(attachments, .size), .)) == 2'), { attachments: [{ size: 1 }, { size: '1' }] }), true);
    // without a key: the elements themselves; objects are no certain group
    const whole = lowered('length(distinct(attachments)) == 1');
    assert.equal(evaluate(whole, { attachments: ['x', 'x'] }), true);
    assert.equal(evaluate(whole, { attachments: [{ a: 1 }, { a: 1 }] }), 'unknown');
  });
  it('any / all over an array in parentheses, however many: the same loop', () => {
    const d = lowered('any(((distinct(map(attachments, .file_extension)))), . == "exe")');
    assert.equal(renderExpr(d), renderExpr(lowered('any(distinct(map(attachments, .file_extension)), . == "exe")')));
    assert.equal(evaluate(d, { attachments: [{ file_extension: 'pdf' }, { file_extension: 'exe' }] }), true);
    const inline = lowered("all(((('pdf', 'png'))), strings.icontains(subject.subject, .))");
    assert.equal(renderExpr(inline), renderExpr(lowered("all(('pdf', 'png'), strings.icontains(subject.subject, .))")));
    assert.equal(evaluate(inline, { subject: { subject: 'PNG and PDF' } }), true);
  });
  it('any / all over distinct(…): true or false only when every choice of the element kept of each group agrees', () => {
    // the closest hop with DMARC results, as Sublime's rules read it: the key is a condition
    const e = lowered('any(distinct(headers.hops, .authentication_results.dmarc is not null), strings.ilike(.authentication_results.dmarc, "*fail"))');
    assert.equal(renderExpr(e), 'any(distinct(headers.hops, .authentication_results.dmarc is_not_null), .authentication_results.dmarc wildcard "*fail")');
    const hops = (...ds: (string | null)[]) => ({ headers: { hops: ds.map((d) => ({ authentication_results: { dmarc: d } })) } });
    assert.equal(evaluate(e, hops(null, 'FAIL', null)), true, 'one hop with results: it is kept');
    assert.equal(evaluate(e, hops('pass')), false);
    assert.equal(evaluate(e, hops(null, 'pass', null)), 'unknown', 'as any over every hop: a null test is null in MQL');
    assert.equal(evaluate(e, hops('pass', 'fail')), 'unknown', 'two hops with results: which one is kept is not documented');
    assert.equal(evaluate(e, hops('fail', 'fail')), true);
    const all = lowered('all(distinct(headers.hops, .authentication_results.dmarc is not null), .authentication_results.dmarc == "pass")');
    assert.equal(evaluate(all, hops('pass')), true);
    assert.equal(evaluate(all, hops('pass', 'pass')), true);
    assert.equal(evaluate(all, hops('fail', 'fail')), false, 'every hop with results fails: whichever is kept');
    assert.equal(evaluate(all, hops('pass', 'fail')), 'unknown');
    // over distinct mapped values: the lambda of each value
    const m = lowered("all(distinct(map(attachments, .file_extension)), . in ('png', 'pdf'))");
    assert.equal(evaluate(m, { attachments: [{ file_extension: 'pdf' }, { file_extension: 'png' }, { file_extension: 'pdf' }] }), true);
    assert.equal(evaluate(m, { attachments: [{ file_extension: 'pdf' }, { file_extension: 'exe' }] }), false);
    // membership in distinct mapped values is membership in the values
    assert.equal(evaluate(lowered("'fail' in~ distinct(map(headers.hops, .authentication_results.dkim))"), { headers: { hops: [{ authentication_results: { dkim: 'FAIL' } }] } }), true);
    // a filtered array under any / all is not expressed: opaque
    const opaqueOf = (t: string) => [...leaves(lowered(t))].filter((l) => l.kind === 'opaque').length;
    assert.equal(opaqueOf('any(distinct(filter(attachments, .size > 1), .md5), .size > 10)'), 1);
    assert.equal(opaqueOf('length(distinct(map(attachments, .file_name), .x)) > 1'), 1);
  });
  it('the names Sublime renamed read as the functions they became: iregex_search, regex_search, beta.binexplode, beta.oletools…', () => {
    assert.equal(renderExpr(lowered("iregex_search(subject.subject, 'inv[o0]ice')")), 'subject.subject regex[ci] "inv[o0]ice"');
    assert.equal(renderExpr(lowered("regex_search(subject.subject, 'A')")), 'subject.subject regex "A"');
    const text = 'any(beta.binexplode(.), .depth > 1) and beta.oletools(.).indicators.vba_macros.exists';
    const low = lowerMql(parsed(text), { file: 'x.mql', mql: text, toFile: (o) => o, lineCol: (o) => ({ line: 1, column: o + 1 }) });
    assert.deepEqual(low.diagnostics, []); // no "unknown function"
    assert.match([...leaves(low.condition!)].map((l) => (l.kind === 'opaque' ? l.reason : '')).join('\n'), /the earlier name of file\.explode/);
  });
  it('a loop item outside any loop is MQL004 at its position', () => {
    const text = 'type.inbound and .x == 1';
    const low = lowerMql(parsed(text), { file: 'x.mql', mql: text, toFile: (o) => o, lineCol: (o) => ({ line: 1, column: o + 1 }) });
    assert.deepEqual(low.diagnostics.map((d) => [d.code, d.line, d.column]), [['MQL004', 1, 18]]);
  });
});

describe('MQL fixtures (golden)', () => {
  const cases: string[] = [];
  for (const dir of readdirSync(ROOT)) {
    if (dir === 'events') continue;
    for (const f of readdirSync(path.join(ROOT, dir))) if (f.endsWith('.yml')) cases.push(`${dir}/${f}`);
  }
  for (const rel of cases) {
    it(rel, () => assertGolden(path.join(ROOT, rel.replace(/\.yml$/, '.expected.txt')), summary(ruleOf(rel))));
  }
  it('a syntax error is MQL003 at the file line and column, and the rule stays with its metadata', () => {
    const r = ruleOf('detection-rules/bad_syntax.yml');
    const d = r.diagnostics.find((x) => x.code === 'MQL003');
    assert.ok(d, 'MQL003');
    assert.deepEqual([d.line, d.column], [8, 1]); // the call is still open at the end of the MQL
    assert.equal(r.logic.completeness, 'none');
    assert.equal(r.title, 'Broken: unterminated call');
  });
});

describe('MQL evaluation on Message Data Model events', () => {
  const events = (name: string) =>
    readFileSync(path.join(ROOT, 'events', name), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as unknown);
  it('HTML attachment rule: match, excluded sender, no small HTML, null subject', () => {
    const r = ruleOf('detection-rules/html_attachment_invoice.yml');
    assert.equal(r.logic.completeness, 'complete');
    assert.deepEqual(events('html_attachment_invoice.jsonl').map((e) => evaluate(r.logic.condition!, e)), [true, false, false, 'unknown']);
    // the rule's verdict: its result on the message without a subject is MQL's null, which is no match
    assert.deepEqual(events('html_attachment_invoice.jsonl').map((e) => verdict(r.logic.condition!, e)), [true, false, false, false]);
  });
  it('a verdict: null is no match; unknown stays unknown where an undecided part could make the rule true', () => {
    const e = lowered('type.inbound and not strings.icontains(subject.subject, "invoice") and any(attachments, .file_type in $file_types_images)');
    const noSubject = { type: { inbound: true }, attachments: [{ file_type: 'png' }] };
    assert.equal(evaluate(e, noSubject), 'unknown');
    // null and (an opaque list test): null or false, never true
    assert.equal(verdict(e, noSubject), false, 'null and unknown');
    assert.equal(verdict(e, { ...noSubject, subject: { subject: 'hello' } }), 'unknown', 'the list decides');
    assert.equal(verdict(e, { ...noSubject, subject: { subject: 'Invoice 4' } }), false);
    // null or (an opaque list test): true when the list test is
    const o = lowered('strings.icontains(subject.subject, "invoice") or any(attachments, .file_type in $file_types_images)');
    assert.equal(verdict(o, noSubject), 'unknown', 'null or unknown');
    // not of null is null: no match either way
    assert.equal(verdict(lowered('not strings.icontains(subject.subject, "x")'), {}), false);
    assert.equal(verdict(lowered('not (strings.icontains(subject.subject, "x") or type.inbound)'), { type: { inbound: false } }), false, 'not (null or false)');
    assert.equal(verdict(lowered('not (strings.icontains(subject.subject, "x") or type.inbound)'), { type: { inbound: true } }), false, 'not (null or true)');
    // a missing array is null; `any` over elements none of whose tests can be true is no match (null tests read as
    // false or as null: Sublime does not say which, no match either way), but its negation may be true
    assert.equal(verdict(lowered('any(attachments, .file_type == "png")'), {}), false);
    assert.equal(verdict(lowered('any(attachments, .file_type == "png")'), { attachments: [{}, { file_type: 'pdf' }] }), false);
    assert.equal(verdict(lowered('not any(attachments, .file_type == "png")'), { attachments: [{}] }), 'unknown');
    // an opaque test (a list the catalog does not hold) stays undecided, even of a missing field
    assert.equal(verdict(lowered('any(attachments, .file_type == "png" or .file_type in $file_types_images)'), { attachments: [{}] }), 'unknown');
    assert.equal(verdict(lowered('any(attachments, .file_name == "a.png" or .file_type in $file_types_images)'), { attachments: [{ file_type: 'png' }] }), 'unknown');
    // nested, with the outer element (..): the inner test is null for a recipient without a local part
    const nested = lowered('any(body.links, any(recipients.to, strings.icontains(..href_url.url, .email.local_part)))');
    assert.equal(verdict(nested, { body: { links: [{ href_url: { url: 'https://x.test/alice' } }] }, recipients: { to: [{}] } }), false);
    assert.equal(verdict(nested, { body: { links: [{ href_url: { url: 'https://x.test/alice' } }] }, recipients: { to: [{}, { email: { local_part: 'alice' } }] } }), true);
    // a count over elements whose tests are null stays undecided (whether `filter` drops a null test is not documented)
    assert.equal(verdict(lowered('length(filter(attachments, .file_type == "png")) >= 1'), { attachments: [{}] }), 'unknown');
    // a derived operand of a missing field is null too
    assert.equal(verdict(lowered('length(body.html.raw) > 4096'), {}), false);
    // the same conditions without SQL-style nulls (other languages) keep evaluate's unknown
    const sigmaLike: Expr = { kind: 'and', args: [{ kind: 'opaque', text: 'x', reason: 'test' }, { kind: 'pred', field: 'a', op: 'eq', values: ['b'] }] };
    assert.equal(verdict(sigmaLike, { a: 'b' }), 'unknown');
  });
  it('nested loops with the outer item (..), length of a filter and N of', () => {
    const r = ruleOf('detection-rules/lookalike_link_recipient.yml');
    assert.deepEqual(events('lookalike_link_recipient.jsonl').map((e) => evaluate(r.logic.condition!, e)), [true, false, false]);
  });
  it('detwiki eval runs an MQL rule file over JSON lines', () => {
    const out = execFileSync(process.execPath, ['bin/detwiki.js', 'eval', path.join(ROOT, 'detection-rules/html_attachment_invoice.yml'), path.join(ROOT, 'events/html_attachment_invoice.jsonl'), '--json'], { encoding: 'utf8' });
    const res = JSON.parse(out) as { rule: string; results: unknown[] }[];
    assert.deepEqual(res[0]!.results, [true, false, false, false], 'the message without a subject: null, no match');
  });
});

describe('MQL corpus', { skip: !SHARED_PRESENT }, () => {
  it('every sublime-rules file is parsed or skipped with a reason; every rule has a condition', async () => {
    const root = path.join(SHARED, 'corpora', 'sublime');
    const res = await scanSource(mqlAdapter, root, SRC);
    const offenders: string[] = [];
    for (const f of res.files) {
      if (f.outcome === 'error') offenders.push(`${f.path}: error ${f.diagnostics.map((d) => d.code).join(',')}`);
      if (f.outcome === 'skipped' && !f.reason) offenders.push(`${f.path}: skipped without a reason`);
      for (const r of f.rules) {
        const syntax = r.diagnostics.filter((d) => d.code === 'MQL003');
        if (syntax.length) offenders.push(`${f.path}:${syntax[0]!.line}:${syntax[0]!.column}: ${syntax[0]!.message.slice(0, 120)}`);
        else if (!r.logic.condition) offenders.push(`${f.path}: no condition`);
        for (const m of r.logic.missing) if (!/^(enrichment|function|list|arithmetic|syntax): /.test(m.reason)) offenders.push(`${f.path}: reason without a category: ${m.reason}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
