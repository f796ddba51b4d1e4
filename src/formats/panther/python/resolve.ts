/**
 * How Panther's Python runtime finds a field: PantherEvent is an ImmutableCaseInsensitiveDict (nested dicts too),
 * so `event.get("eventName")` finds `eventname` when no exact key exists. Exact key first, then a
 * case-insensitive match, at every level. Paths crossing a list collect from every element (as the model's
 * default resolver does; `deep_walk` semantics).
 */
import { dottedResolver, type FieldResolver } from '../../../model/evaluate.ts';

export const resolvePythonField: FieldResolver = dottedResolver({ caseInsensitive: true });
