/**
 * Hits as lines of JSON (`detwiki hunt --jsonl`): each line is `jsonText(hit)` exactly, with the parts many hits
 * share written once and reused: the rule (id, title, severity, ATT&CK: the same object for every hit of a rule, its
 * tally's), the event's log sources (the engine hands the same list for the same combination) and the rule's
 * predicate texts. A profile of a `--jsonl` hunt over 200,158 events (SigmaHQ's rules, on workers) put 3.5 s of the
 * main thread's 19.2 s in `JSON.stringify` of the hits.
 */
import { jsonText } from '../model/ascii.ts';
import type { Hit, HitRule } from './session.ts';

/** Predicate texts kept written; past this many the table starts again (a catalog has some 100,000 predicates). */
const MAX_TEXTS = 200_000;

export class HitLines {
  private readonly rules = new WeakMap<HitRule, string>();
  private readonly lists = new WeakMap<readonly string[], string>();
  private readonly texts = new Map<string, string>();

  /** The hit as `jsonText(hit)` writes it: its keys in their order, a key whose value is undefined left out. */
  line(h: Hit): string {
    const o = h as unknown as Record<string, unknown>;
    let s = '';
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (v === undefined) continue;
      const part = k === 'rule' ? this.rule(v as HitRule) : k === 'logSources' ? this.list(v as readonly string[]) : k === 'matched' ? this.matched(v as readonly string[]) : jsonText(v);
      s += `${s ? ',' : '{'}${JSON.stringify(k)}:${part}`;
    }
    return s ? `${s}}` : '{}';
  }

  private rule(r: HitRule): string {
    let t = this.rules.get(r);
    if (t === undefined) this.rules.set(r, (t = jsonText(r)));
    return t;
  }

  private list(xs: readonly string[]): string {
    let t = this.lists.get(xs);
    if (t === undefined) this.lists.set(xs, (t = jsonText(xs)));
    return t;
  }

  private matched(xs: readonly string[]): string {
    let s = '[';
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      let t = this.texts.get(x);
      if (t === undefined) {
        if (this.texts.size >= MAX_TEXTS) this.texts.clear();
        this.texts.set(x, (t = jsonText(x)));
      }
      s += i ? `,${t}` : t;
    }
    return `${s}]`;
  }
}
