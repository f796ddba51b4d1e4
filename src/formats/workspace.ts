import { and, not, or, pred, type Expr, type Predicate, type TransformStep } from '../model/expr.ts';
import { computed, onField, type Column } from './readings.ts';

/**
 * Google Workspace's audit events (the Admin SDK Reports API) as one record an event (`WORKSPACE_EVENT` in
 * `readings.ts`: the activity's `id`, `actor`, `ipAddress`, with the event's `name`, `type` and its `parameters` as a
 * map of name to value): the fields every language's reading of them shares.
 */

/** The application (`admin`, `login`, `drive`, `token`, `mobile`…) whose report the event comes from. */
export const WORKSPACE_APPLICATION = 'id.applicationName';

/** The event comes from one of these applications' reports. */
export const applicationIs = (apps: readonly string[], p: Predicate): Expr => pred(WORKSPACE_APPLICATION, 'in', [...apps], { cs: true }, p.span);

/** One raw field a shipper may fill a column from: an event's parameter, or a field of the record, on some applications' events. */
export interface WorkspaceSource {
  /** The applications whose events have it (any, if none is named). */
  readonly apps?: readonly string[];
  /** `parameters.<NAME>`, or a field of the record. */
  readonly field: string;
  /** Steps from the raw field to the column, written in the reading table's language. */
  readonly steps?: readonly TransformStep[];
}

/** A parameter of the events of some applications. */
export const parameter = (apps: readonly string[], name: string, steps?: readonly TransformStep[]): WorkspaceSource => ({ apps, field: `parameters.${name}`, ...(steps ? { steps } : {}) });

/**
 * A column a shipper fills from the first of several raw fields present (Elastic's `google_workspace.admin.new_value`
 * from `NEW_VALUE`, `DEVICE_NEW_STATE`…, each on its application's events only), or holds them all (a list): a test
 * holds where it holds of one of them; a test of absence, where each is absent (or the event is another application's).
 */
export function fromEither(sources: readonly WorkspaceSource[]): Column {
  return computed((p, lang) => {
    const one = (s: WorkspaceSource, q: Predicate): Expr => {
      const test = onField(q, s.field, s.steps ?? [], lang);
      return s.apps ? (q.op === 'is_null' ? or(not(applicationIs(s.apps, q)), test) : and(applicationIs(s.apps, q), test)) : test;
    };
    return p.op === 'is_null' ? and(...sources.map((s) => one(s, p))) : or(...sources.map((s) => one(s, p)));
  });
}

/** The local part and the domain of an address (`user@example.com`), where it has exactly one `@`. */
export const LOCAL_PART: TransformStep = { fn: 'extract', args: ['^([^@]*)@[^@]*$', 1] };
export const DOMAIN_PART: TransformStep = { fn: 'extract', args: ['^[^@]*@([^@]*)$', 1] };
