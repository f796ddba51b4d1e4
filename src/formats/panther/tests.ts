/**
 * Panther `Tests:`: each entry has Name, ExpectedResult and the event: `Log` (rules; a mapping, or JSON written as a
 * string), `Resource` (policies) or `RuleOutputs` (correlation rules: the matches of each sub-rule). `Mocks` replace
 * functions the Python calls (`objectName` → `returnValue`).
 */
import { LIMITS, type Diagnostic } from '../../model/diagnostics.ts';
import { nestsDeeperThan } from '../../model/jsonDepth.ts';
import type { RuleTest } from '../../model/rule.ts';
import { PantherDiagnostics } from './diagnostics.ts';
import { asString, isRecord, lineAt, type YamlSpec } from './yamlDoc.ts';

const EVENT_KEYS = ['Log', 'Resource', 'RuleOutputs'] as const;

export function parseTests(spec: YamlSpec, file: string): { tests: RuleTest[]; diagnostics: Diagnostic[] } {
  const tests: RuleTest[] = [];
  const diagnostics: Diagnostic[] = [];
  const root = spec.value as Record<string, unknown>;
  const raw = root['Tests'];
  if (raw === undefined || raw === null) return { tests, diagnostics };
  if (!Array.isArray(raw)) {
    diagnostics.push(PantherDiagnostics.badTest(file, 'Tests is not a list', at(spec, ['Tests'])));
    return { tests, diagnostics };
  }
  raw.forEach((t, i) => {
    const path = ['Tests', i];
    const line = lineAt(spec, path);
    if (!isRecord(t)) {
      diagnostics.push(PantherDiagnostics.badTest(file, 'entry is not a mapping', line ? { line } : undefined));
      return;
    }
    const name = asString(t['Name']) ?? `test ${i + 1}`;
    if (t['Name'] === undefined) diagnostics.push(PantherDiagnostics.badTest(file, `entry ${i + 1} has no Name`, line ? { line } : undefined));
    const exp = t['ExpectedResult'];
    if (typeof exp !== 'boolean') {
      diagnostics.push(PantherDiagnostics.badTest(file, `"${name}" has no boolean ExpectedResult`, line ? { line } : undefined));
      return;
    }
    const key = EVENT_KEYS.find((k) => k in t);
    let event: unknown = key ? t[key] : undefined;
    if (key === undefined) diagnostics.push(PantherDiagnostics.badTest(file, `"${name}" has no Log, Resource or RuleOutputs`, line ? { line } : undefined));
    if (typeof event === 'string') {
      if (nestsDeeperThan(event, LIMITS.maxDepth)) {
        // not parsed (the walks over a test's event recurse): kept as the text, as a text that is not JSON is
        diagnostics.push(PantherDiagnostics.badTest(file, `"${name}": ${key} nests objects and arrays deeper than ${LIMITS.maxDepth} levels`, at(spec, [...path, key!])));
      } else {
        try {
          event = JSON.parse(event);
        } catch {
          diagnostics.push(PantherDiagnostics.badTest(file, `"${name}": ${key} is a string that is not JSON`, at(spec, [...path, key!])));
        }
      }
    }
    const mocks = parseMocks(t['Mocks']);
    tests.push({ name, expected: exp, event, ...(mocks.length ? { mocks } : {}), ...(line !== undefined ? { line } : {}) });
  });
  return { tests, diagnostics };
}

function parseMocks(raw: unknown): { name: string; value: unknown }[] {
  if (!Array.isArray(raw)) return [];
  const out: { name: string; value: unknown }[] = [];
  for (const m of raw) {
    if (!isRecord(m)) continue;
    const name = asString(m['objectName']);
    if (name === undefined) continue;
    out.push({ name, value: m['returnValue'] });
  }
  return out;
}

function at(spec: YamlSpec, path: (string | number)[]) {
  const line = lineAt(spec, path);
  return line === undefined ? undefined : { line };
}
