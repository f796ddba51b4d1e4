/**
 * Derived operands (issue 19): a golden case per transform (rendering, and the result on each event by the
 * reference evaluator and the compiled one, which must agree), evaluation of rules over JSON-in-a-string fields,
 * and the derived views (indicators, exclusions, prefilter, implication) that must not mistake a chain for its field.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { and, deriveIndicators, deriveExclusions, evaluate, fieldsOf, not, pred, renderExpr, TRANSFORMS, type Derived, type Expr, type Predicate } from '../src/model/index.ts';
import { compile, runCompiled } from '../src/model/compile.ts';
import { resolveDotted } from '../src/model/evaluate.ts';
import { prefilterKeys } from '../src/hunt/prefilter.ts';
import { predImplies } from '../src/model/vocabulary/implication.ts';
import { assertGolden, fixture } from './helpers/golden.ts';

const DIR = fixture('model', 'derived');
const cases = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('derived operands: golden case per transform', () => {
  for (const file of cases) {
    it(file, () => {
      const c = JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8')) as { pred: Predicate; events: unknown[] };
      const compiled = compile(c.pred);
      const lines = [renderExpr(c.pred)];
      for (const ev of c.events) {
        const r = evaluate(c.pred, ev);
        assert.equal(runCompiled(compiled, ev, resolveDotted), r, `compiled and evaluated differ on ${JSON.stringify(ev)}`);
        lines.push(`${JSON.stringify(ev)} → ${r}`);
      }
      assertGolden(`${DIR}/${file.replace(/\.json$/, '.expected.txt')}`, lines.join('\n'));
    });
  }
  it('every transform has a golden case', () => {
    const used = new Set<string>();
    for (const file of cases) {
      const c = JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8')) as { pred: Predicate };
      for (const s of c.pred.derived?.steps ?? []) used.add(s.fn);
    }
    assert.deepEqual(TRANSFORMS.filter((t) => !used.has(t)), []);
  });
});

const policy: Derived = { steps: [{ fn: 'json' }, { fn: 'get', args: ['Statement'] }, { fn: 'elements' }, { fn: 'get', args: ['Effect'] }], lang: 'python' };
const jsonOp = (path: string[]): Derived => ({ steps: [{ fn: 'json' }, ...path.map((k) => ({ fn: 'get' as const, args: [k] }))], lang: 'kql' });

describe('derived operands: evaluation on events', () => {
  // an S3 bucket policy change that allows everyone, from a JSON text inside the event
  const rule: Expr = and(
    pred('eventName', 'eq', ['PutBucketPolicy'], { typing: 'strict', cs: true }),
    pred('requestParameters.policy', 'eq', ['Allow'], { typing: 'strict', cs: true }, undefined, policy),
    not(pred('requestParameters.policy', 'eq', ['o-trusted'], { typing: 'strict', cs: true }, undefined, jsonOp(['Condition', 'orgId']))),
  );
  const ev = (policyText: unknown) => ({ eventName: 'PutBucketPolicy', requestParameters: { policy: policyText } });
  const compiled = compile(rule);
  const both = (e: unknown) => {
    const r = evaluate(rule, e);
    assert.equal(runCompiled(compiled, e, resolveDotted), r);
    return r;
  };
  it('matches a JSON-in-a-string field that allows', () => {
    assert.equal(both(ev(JSON.stringify({ Statement: [{ Effect: 'Deny' }, { Effect: 'Allow', Principal: '*' }] }))), true);
  });
  it('does not match when no statement allows, or the exclusion holds', () => {
    assert.equal(both(ev(JSON.stringify({ Statement: [{ Effect: 'Deny' }] }))), false);
    assert.equal(both(ev(JSON.stringify({ Statement: [{ Effect: 'Allow' }], Condition: { orgId: 'o-trusted' } }))), false);
  });
  it('a text that is not JSON is null, never an exception', () => {
    assert.equal(both(ev('{"Statement": [')), false);
    assert.equal(both({ eventName: 'PutBucketPolicy' }), false);
  });
  it('onError unknown: a Python exception the rule does not catch is unknown', () => {
    const p = pred('x', 'eq', [1], { typing: 'strict' }, undefined, { steps: [{ fn: 'json' }, { fn: 'item', args: ['a'] }], lang: 'python', onError: 'unknown' });
    assert.equal(evaluate(p, { x: '{"a": 1}' }), true);
    assert.equal(evaluate(p, { x: '{"b": 1}' }), 'unknown');
    assert.equal(evaluate(not(p), { x: 'nope' }), 'unknown');
  });
  it('the field default applies before the chain', () => {
    const p = pred('x', 'eq', [0], { typing: 'strict', missingAs: '[]' }, undefined, { steps: [{ fn: 'json' }, { fn: 'len' }], lang: 'python' });
    assert.equal(evaluate(p, {}), true);
    assert.equal(evaluate(p, { x: '[1]' }), false);
  });
  it('each over a derived array, with element-relative fields', () => {
    const e: Expr = { kind: 'each', quant: 'any', array: 'doc', derived: jsonOp(['Statement']), expr: and(pred('.Effect', 'eq', ['Allow']), pred('.Action', 'eq', ['*'])) };
    assert.equal(renderExpr(e), 'any(json(doc).Statement, .Effect eq "Allow" and .Action eq "*")');
    assert.equal(evaluate(e, { doc: '{"Statement":[{"Effect":"Allow","Action":"s3:Get"},{"Effect":"Allow","Action":"*"}]}' }), true);
    assert.equal(evaluate(e, { doc: '{"Statement":[{"Effect":"Deny","Action":"*"}]}' }), false);
    assert.equal(evaluate(e, { doc: 'bad' }), false);
    assert.equal(runCompiled(compile(e), { doc: '{"Statement":[{"Effect":"Allow","Action":"*"}]}' }, resolveDotted), true);
  });
});

describe('derived operands in the derived views', () => {
  const p = pred('requestParameters.policy', 'eq', ['Allow'], { cs: true }, undefined, policy);
  it('an indicator keeps its field and names its chain', () => {
    assert.deepEqual(deriveIndicators(p), [{ field: 'requestParameters.policy', chain: 'json(requestParameters.policy).Statement[*].Effect', op: 'eq', values: ['Allow'], cs: true }]);
  });
  it('negation and exclusions keep the chain', () => {
    const ex = deriveExclusions(and(pred('a', 'eq', ['b']), pred('x', 'ne', ['y'], undefined, undefined, { steps: [{ fn: 'lower' }] })));
    assert.equal(renderExpr(ex[0]!.expr), 'lower(x) eq "y"');
  });
  it('a chain is not its field: no prefilter key of the plain field (one of the operand the scan computes), no implication with the plain field', () => {
    assert.deepEqual(prefilterKeys(p)?.map((k) => [k.kind, k.value, k.field !== p.field, k.operand === p]), [['xsub', 'allow', true, true]]);
    assert.equal(predImplies(p, pred('requestParameters.policy', 'eq', ['Allow'], { cs: true })), false);
    assert.equal(predImplies(p, p), true);
  });
  it('fields read by strcat are fields of the condition', () => {
    assert.deepEqual(fieldsOf(pred('User', 'eq', ['a\\b'], undefined, undefined, { steps: [{ fn: 'strcat', args: [[{ kind: 'field', field: 'Domain' }, '\\'], []] }] })), ['User', 'Domain']);
  });
});
