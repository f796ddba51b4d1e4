/**
 * What an event had where a predicate looked: the predicate's operand as it read it (the field's value with its
 * default applied, or the value derived from it), rendered as short text. A hunt's hit lists it beside each matched
 * predicate (`Hit.seen`), so that `Image ends_with ["\\cmd.exe", … 40 values]` comes with the path that ended so.
 */
import { deriveValue, FAILED_NULL, Spread, UNKNOWN_OPERAND, type DerivedOperand } from './derive.ts';
import { fieldValue, type FieldResolver } from './evaluate.ts';
import type { Predicate } from './expr.ts';
import { escapeControls } from './ascii.ts';

/** Characters of a value shown; a longer one is cut there and says how long it was. */
export const SEEN_MAX = 200;

/** The text of what a predicate read on an event: JSON of the value, `missing`, or `unknown` (a derivation it could not do). */
export function seenBy(p: Predicate, event: unknown, resolve: FieldResolver, max = SEEN_MAX): string {
  const raw = fieldValue(p, event, resolve);
  return shownOperand(p.derived ? deriveValue(p.derived, raw, (f) => resolve(event, f)) : raw, max);
}

/** `seenBy` of an operand already resolved or derived (`RecordedPredicate.operand`). */
export function shownOperand(d: DerivedOperand, max = SEEN_MAX): string {
  if (d === UNKNOWN_OPERAND) return 'unknown';
  // a step that failed to null: the predicate read a missing value
  if (d === FAILED_NULL) return 'missing';
  return shownValue(d instanceof Spread ? d.items : d, max);
}

/**
 * A value as JSON text of at most about `max` characters: a longer string is cut and followed by its length, a list
 * or an object is written until the budget is spent (`…` where it stops). `missing` for undefined. No character a
 * terminal acts on is left as it is (`escapeControls`).
 */
export function shownValue(v: unknown, max = SEEN_MAX): string {
  if (v === undefined) return 'missing';
  // JSON escapes C0 controls; DEL, C1 controls and the line separators are escaped too (an event's values are untrusted)
  if (typeof v === 'string') return escapeControls(v.length > max ? `${JSON.stringify(v.slice(0, max))}… (${v.length} characters)` : JSON.stringify(v));
  const out: string[] = [];
  const room: Room = { left: max, cut: false };
  write(v, out, room);
  return escapeControls(out.join(''));
}

/** JSON of `v` into `out` while `room.left` lasts; `…` (once) where it ran out. */
function write(v: unknown, out: string[], room: Room): void {
  if (room.left <= 0) return stop(out, room);
  if (v === null || v === undefined) return put('null', out, room);
  switch (typeof v) {
    case 'string':
      if (v.length <= room.left) return put(JSON.stringify(v), out, room);
      put(JSON.stringify(v.slice(0, room.left)), out, room);
      return stop(out, room);
    case 'number':
      return put(Number.isFinite(v) ? String(v) : JSON.stringify(String(v)), out, room);
    case 'boolean':
    case 'bigint':
      return put(String(v), out, room);
    case 'object':
      break;
    default:
      return put(JSON.stringify(String(v)), out, room);
  }
  if (Array.isArray(v)) {
    put('[', out, room);
    for (let i = 0; i < v.length; i++) {
      if (room.left <= 0) return stop(out, room);
      if (i) put(',', out, room);
      write(v[i], out, room);
    }
  } else {
    put('{', out, room);
    let first = true;
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      if (room.left <= 0) return stop(out, room);
      if (!first) put(',', out, room);
      first = false;
      put(`${JSON.stringify(k)}:`, out, room);
      write((v as Record<string, unknown>)[k], out, room);
    }
  }
  if (room.cut) return;
  put(Array.isArray(v) ? ']' : '}', out, room);
}

interface Room {
  left: number;
  /** `…` written: the value was cut. */
  cut: boolean;
}

function put(s: string, out: string[], room: Room): void {
  out.push(s);
  room.left -= s.length;
}

function stop(out: string[], room: Room): void {
  if (!room.cut) out.push('…');
  room.cut = true;
}
