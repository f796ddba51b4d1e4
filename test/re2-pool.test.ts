/**
 * re2-wasm's memory is 16 MB and cannot grow: `re2Pool.ts` spreads compiled patterns over copies of the module, so
 * more patterns than one copy holds all compile and answer correctly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patternCost, INSTANCE_BUDGET, re2InstancesLoaded, Re2Handle, setInstanceBudget } from '../src/model/re2Pool.ts';
import { compileRegex, regexReplaceAll } from '../src/model/regex.ts';

describe('RE2 pool', () => {
  // alternations of 40 words: one copy of re2-wasm holds about 1,630 of them
  const pattern = (i: number) => Array.from({ length: 40 }, (_, j) => `w${i}q${j}zz`).join('|');
  const fill = (n: number): void => {
    const before = re2InstancesLoaded();
    const handles: Re2Handle[] = [];
    for (let i = 0; i < n; i++) handles.push(new Re2Handle(pattern(i), 'iu').compile());
    assert.equal(re2InstancesLoaded() - before >= 2, true, `only ${re2InstancesLoaded() - before} copies loaded`);
    // every handle still answers, early ones included
    for (const i of [0, 1, Math.floor(n / 2), n - 1]) {
      assert.equal(handles[i]!.test(`run W${i}Q39ZZ now`), true);
      assert.equal(handles[i]!.test(`run w${i}q40zz now`), false);
    }
  };

  it('compiles more patterns than one copy of re2-wasm holds, in several copies', () => {
    assert.equal(1_800 * patternCost(pattern(1_799)) > INSTANCE_BUDGET, true);
    fill(1_800);
  });

  it('recovers when a copy aborts anyway: its patterns are compiled again in a new one, and the abort is not printed', () => {
    // the live copy may still take a few hundred under the normal budget; the next one takes the rest and aborts
    const before = setInstanceBudget(1e12);
    const warn = console.warn;
    const printed: string[] = [];
    console.warn = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
    try {
      fill(2_400);
    } finally {
      setInstanceBudget(before);
      console.warn = warn;
    }
    assert.deepEqual(printed.filter((m) => m.includes('Cannot enlarge memory')), []);
  });

  it('keeps the global replacement and the compile results working through it', () => {
    assert.equal(regexReplaceAll('a+', '', 'baaacaad', () => '-'), 'b-c-d');
    assert.equal(regexReplaceAll('x*', '', 'ab', () => '.'), '.a.b.');
    const c = compileRegex('(?i)\\\\[a-z]{1,8}\\.exe', '');
    assert.equal(c.ok && c.re.test('C:\\Windows\\CMD.EXE /c'), true);
    assert.equal(compileRegex('(?<=a)b', '').ok, false);
  });
});
