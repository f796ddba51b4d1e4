/**
 * How a Sigma `process_creation` rule reads a Windows Security event 4688 ("A new process has been created"), as
 * pySigma's windows-audit pipeline (`pySigma-pipeline-windows`) converts such a rule for the Security log: the rule
 * names Sysmon's fields, the event has its own.
 * - renamed: `Image` is `NewProcessName`, `ParentImage` `ParentProcessName`, `LogonId` `SubjectLogonId`;
 * - `IntegrityLevel` is `MandatoryLabel`, whose values are SIDs: `High` is `S-1-16-12288` (a value not in the table is
 *   compared as written, as the pipeline's string mapping leaves it);
 * - a field 4688 does not record (`OriginalFileName`, `Hashes`, `ParentCommandLine`, `CurrentDirectory`, `User`:
 *   4688's subject is the creator, not the new process's account…) is missing, as in any event without it: a test
 *   of it does not hold, as every Sigma backend reads a missing field. Under a NOT (a filter), though, that would let
 *   the rule fire because the log source cannot say what the filter asks: there the test is unknown (an opaque part
 *   saying why), so the rule may fire, depending on it, and is not reported as a hit. (pySigma's pipeline refuses such
 *   a rule altogether.)
 * - a field 4688 records with another meaning or form (`ProcessId`: the creator's, in hexadecimal) is unknown
 *   wherever it is tested;
 * - every other field (`CommandLine`) is read as written.
 * The hunt runs this reading of a rule on the events recognised as both `windows.process_creation` and the Security
 * log (`SECURITY_PROCESS_CREATION.onlyWith`), and the rule as written on the other process creation events (Sysmon 1).
 */
import { assertNever, derivedFields, isFieldRef, opaque, type Expr, type Predicate, type Value } from '../../model/expr.ts';
import { renderPredicate } from '../../model/render.ts';
import type { HuntReading } from '../adapter.ts';
import type { RuleRecord } from '../../model/rule.ts';
import type { Format } from '../../model/facts.ts';
import { sigmaCloudReadings } from './cloudReadings.ts';
import { ECS_WINDOWS_READINGS } from './ecsWindows.ts';
import { KEYWORD_FIELD } from './sigmaFacts.ts';

export interface SigmaLogSourceReading {
  /** The canonical log source of the rules it applies to. */
  readonly logSource: string;
  /** The log source an event must also be recognised as for this reading to apply (instead of the rule as written). */
  readonly onlyWith: string;
  /** Sigma field → the event's field. */
  readonly renamed: Readonly<Record<string, string>>;
  /** Sigma field → the event's field, and its values translated (keys lower-cased). */
  readonly translated: Readonly<Record<string, { readonly field: string; readonly values: Readonly<Record<string, string>> }>>;
  /** Sigma fields the event does not have: missing, and unknown under a NOT. */
  readonly absent: ReadonlySet<string>;
  /** Sigma fields the event has with another meaning or form: unknown. */
  readonly unknowable: ReadonlySet<string>;
  /** Why, for the opaque part a test of such a field becomes. */
  readonly why: string;
  /** What the reading is (`HuntReading.label`). */
  readonly label: string;
  /** Every other field, unless it already has a dot after a word (`process.name`), is read under this prefix. */
  readonly prefixOthers?: string;
  /** The log sources the reading runs on, when not the rule's (`HuntReading.logSources`). */
  readonly logSources?: readonly string[];
  /** The language whose field resolution reads the events (`HuntReading.readAsFormat`). */
  readonly readAsFormat?: Format;
}

export const SECURITY_PROCESS_CREATION: SigmaLogSourceReading = {
  logSource: 'windows.process_creation',
  onlyWith: 'vendor:windows/security',
  renamed: { Image: 'NewProcessName', ParentImage: 'ParentProcessName', LogonId: 'SubjectLogonId' },
  translated: {
    IntegrityLevel: {
      field: 'MandatoryLabel',
      values: { untrusted: 'S-1-16-0', low: 'S-1-16-4096', medium: 'S-1-16-8192', high: 'S-1-16-12288', system: 'S-1-16-16384' },
    },
  },
  absent: new Set([
    'OriginalFileName', 'Description', 'Product', 'Company', 'FileVersion', 'Hashes', 'md5', 'sha1', 'sha256', 'Imphash',
    'CurrentDirectory', 'ParentCommandLine', 'User', 'ParentUser', 'ProcessGuid', 'ParentProcessGuid', 'LogonGuid',
    'TerminalSessionId',
  ]),
  unknowable: new Set(['ProcessId', 'ParentProcessId']),
  why: 'a Security event 4688 does not record it as Sysmon does (pySigma windows-audit pipeline)',
  label: "Security 4688's field names, as pySigma's windows-audit pipeline reads the rule",
};

/** The readings of Sigma rules over other log sources than the one they name. */
export const SIGMA_READINGS: readonly SigmaLogSourceReading[] = [SECURITY_PROCESS_CREATION, ...ECS_WINDOWS_READINGS];

/** The hunt's readings of a Sigma rule of these log sources (`FormatAdapter.huntReadings`). */
export function sigmaHuntReadings(logSources: readonly string[], condition: Expr, rule?: RuleRecord): readonly HuntReading[] {
  const out: HuntReading[] = rule ? [...sigmaCloudReadings(logSources, condition, rule)] : [];
  for (const r of SIGMA_READINGS) {
    if (!logSources.includes(r.logSource)) continue;
    const c = readAs(r, condition);
    if (c) out.push({ onlyWith: r.onlyWith, condition: c, label: r.label, ...(r.logSources ? { logSources: r.logSources } : {}), ...(r.readAsFormat ? { readAsFormat: r.readAsFormat } : {}) });
  }
  return out;
}

/** The condition as `reading` reads it; undefined when it reads the same. */
export function readAs(reading: SigmaLogSourceReading, e: Expr): Expr | undefined {
  let changed = false;
  const rewrite = (x: Expr, negated: boolean): Expr => {
    switch (x.kind) {
      case 'pred': {
        const p = predicate(reading, x, negated);
        if (p !== x) changed = true;
        return p;
      }
      case 'and':
      case 'or':
        return { ...x, args: x.args.map((a) => rewrite(a, negated)) };
      case 'not':
        return { kind: 'not', arg: rewrite(x.arg, !negated) };
      case 'quant':
        return { ...x, items: x.items.map((i) => ({ name: i.name, expr: rewrite(i.expr, negated) })) };
      case 'each':
        return { ...x, expr: rewrite(x.expr, negated) };
      case 'opaque':
      case 'const':
        return x;
      default:
        return assertNever(x, 'expression');
    }
  };
  const out = rewrite(e, false);
  return changed ? out : undefined;
}

function predicate(reading: SigmaLogSourceReading, p: Predicate, negated: boolean): Expr {
  const refs = p.values.flatMap((v) => (isFieldRef(v) ? [v.field] : []));
  const fields = [p.field, ...derivedFields(p.derived), ...refs];
  const unknown = fields.find((f) => reading.unknowable.has(f) || (negated && reading.absent.has(f)));
  if (unknown !== undefined) return opaque(renderPredicate(p), `${unknown}: ${reading.why}`, p.span);
  // a derived operand's own fields are not renamed: such a test is unknown rather than read from the wrong field
  if (p.derived && derivedFields(p.derived).some((f) => f !== p.field && (has(reading.renamed, f) || has(reading.translated, f)))) {
    return opaque(renderPredicate(p), reading.why, p.span);
  }
  const values = refs.length ? p.values.map((v) => (isFieldRef(v) ? { ...v, field: renamedField(reading, v.field) } : v)) : p.values;
  if (has(reading.renamed, p.field)) return { ...p, field: reading.renamed[p.field]!, values };
  if (has(reading.translated, p.field)) {
    const t = reading.translated[p.field]!;
    const mapped = p.op === 'regex' ? values : values.map((v) => (typeof v === 'string' && has(t.values, v.toLowerCase()) ? t.values[v.toLowerCase()]! : v));
    return { ...p, field: t.field, values: mapped };
  }
  const field = renamedField(reading, p.field);
  return values === p.values && field === p.field ? p : { ...p, field, values };
}

/** A field the reading neither renames nor translates: itself, or under `prefixOthers` (not a keyword search). */
function renamedField(reading: SigmaLogSourceReading, field: string): string {
  if (has(reading.renamed, field)) return reading.renamed[field]!;
  return reading.prefixOthers !== undefined && field !== KEYWORD_FIELD && !/\w\./.test(field) ? reading.prefixOthers + field : field;
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
