/**
 * RE2 compiled patterns that survive re2-wasm's fixed memory. re2-wasm is an Emscripten build with a WebAssembly
 * memory of 16 MB that cannot grow and no way to free a pattern but by hand: compiling more patterns than fit
 * (about 3,600 of the catalog's 4,632 distinct ones, or one heavy match filling a pattern's DFA cache) aborts the
 * module, and from then on every pattern of that copy, old ones included, throws `WebAssembly.RuntimeError`.
 *
 * So patterns are compiled into a copy of the module (an `Re2Instance`) until an estimate of what they take reaches
 * a budget, and a new copy (a fresh 16 MB memory) is loaded for the next ones; a copy that aborts anyway is marked
 * dead. A pattern is a `Re2Handle`: it compiles on first use and again in the live copy when its own copy died, so
 * an abort costs a recompilation, never a wrong or missing answer.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** A global (`g`) RE2: exec from `lastIndex`, the match's offset in `index`. */
export interface GlobalRegex {
  lastIndex: number;
  exec(s: string): (RegexMatch & { readonly index: number }) | null;
}

/** A match: the whole match and each group (undefined when a group did not take part), named groups by name. */
export type RegexMatch = readonly (string | undefined)[] & { readonly groups?: Readonly<Record<string, string | undefined>> };

type Native = GlobalRegex & { test(s: string): boolean };
type RE2Class = new (pattern: string, flags: string) => Native;

/** One loaded copy of re2-wasm. */
interface Re2Instance {
  readonly RE2: RE2Class;
  dead: boolean;
  /** Estimated bytes still free for patterns. */
  budget: number;
}

/**
 * What patterns may take of a copy's 16 MB, by the estimate below: the rest is left for the module itself and the
 * DFA states matching builds.
 */
export const INSTANCE_BUDGET = 10 * 1024 * 1024;
let budget = INSTANCE_BUDGET;

/** Set the budget of copies loaded from now on (tests: a huge one lets a copy abort); returns the previous one. */
export function setInstanceBudget(bytes: number): number {
  const before = budget;
  budget = bytes;
  return before;
}

/**
 * Estimated bytes a compiled pattern takes (its programs, forward and reverse): the catalog's patterns averaged 36
 * characters and about 4.4 KB each when 3,636 of them filled a copy.
 */
export function patternCost(pattern: string): number {
  return 2_500 + 60 * pattern.length;
}

let live: Re2Instance | undefined;
/** Copies loaded in this thread (for tests). */
let loaded = 0;

/**
 * A fresh copy of re2-wasm: its CommonJS modules are evaluated again (they are dropped from the require cache
 * first), so it gets a WebAssembly memory of its own. Loaded at the first pattern: most threads of a catalog build
 * compile none.
 */
function freshInstance(): Re2Instance {
  const dir = `${path.sep}re2-wasm${path.sep}`;
  for (const k of Object.keys(require.cache)) if (k.includes(dir)) delete require.cache[k];
  loaded++;
  // the module prints an abort through the `console.warn` it finds when it loads: the memory abort this pool
  // recovers from ("Cannot enlarge memory arrays…") is not printed, anything else is
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Cannot enlarge memory arrays')) return;
    warn.apply(console, args);
  };
  try {
    return { RE2: (require('re2-wasm') as { RE2: RE2Class }).RE2, dead: false, budget };
  } finally {
    console.warn = warn;
  }
}

const aborted = (e: unknown): boolean => e instanceof WebAssembly.RuntimeError;

/** Compile in the live copy, loading a new one when it died or its budget is spent. Invalid patterns throw. */
function construct(pattern: string, flags: string): { re: Native; inst: Re2Instance } {
  const cost = patternCost(pattern);
  // a fresh copy takes any one pattern, however large
  if (!live || live.dead || (live.budget < cost && live.budget < budget)) live = freshInstance();
  live.budget -= cost;
  try {
    return { re: new live.RE2(pattern, flags), inst: live };
  } catch (e) {
    if (!aborted(e)) throw e;
    live.dead = true;
    live = freshInstance();
    live.budget -= cost;
    return { re: new live.RE2(pattern, flags), inst: live };
  }
}

/** A pattern compiled in RE2 (flags as RegExp's, `u` included), recompiled when its copy of the module died. */
export class Re2Handle {
  private re: Native | undefined;
  private inst: Re2Instance | undefined;
  constructor(
    readonly pattern: string,
    readonly flags: string,
  ) {}
  /** Compile now (invalid patterns throw, as RE2's constructor does). */
  compile(): this {
    this.native();
    return this;
  }
  private native(): Native {
    if (!this.re || this.inst!.dead) ({ re: this.re, inst: this.inst } = construct(this.pattern, this.flags));
    return this.re;
  }
  private run<T>(f: (re: Native) => T): T {
    try {
      return f(this.native());
    } catch (e) {
      if (!aborted(e)) throw e;
      this.inst!.dead = true;
      return f(this.native());
    }
  }
  test(s: string): boolean {
    return this.run((re) => re.test(s));
  }
  exec(s: string): RegexMatch | null {
    return this.run((re) => re.exec(s));
  }
  /** A global pattern's next match from `from` (its `lastIndex` after the match in `next`). */
  execFrom(s: string, from: number): { match: (RegexMatch & { readonly index: number }) | null; next: number } {
    return this.run((re) => {
      re.lastIndex = from;
      const match = re.exec(s);
      return { match, next: re.lastIndex };
    });
  }
}

/** How many copies of re2-wasm this thread has loaded. */
export function re2InstancesLoaded(): number {
  return loaded;
}
