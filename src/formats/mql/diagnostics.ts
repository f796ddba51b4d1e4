/**
 * Diagnostics of the Sublime MQL adapter. Every code it emits:
 * | code   | meaning |
 * | MQL001 | the rule YAML is not a mapping |
 * | MQL002 | the rule has no `source:` (MQL) |
 * | MQL003 | MQL syntax error (file:line:column of the offending token) |
 * | MQL004 | a loop item (`.`, `..`) refers to more loops than enclose it |
 * | MQL005 | a function that is in none of the MQL function tables (kept opaque) |
 */
import { diagnosticMaker, type CodeTable } from '../../model/diagnostics.ts';

type At = { line: number; column: number };

/** Every code of this area: its severity and meaning (`docs/diagnostics.md` is generated from it). */
export const MQL_CODES = {
  MQL001: { severity: 'error', meaning: 'the rule YAML is not a mapping' },
  MQL002: { severity: 'warning', meaning: 'the rule has no `source:` (MQL)' },
  MQL003: { severity: 'error', meaning: 'MQL syntax error (file:line:column of the offending token)' },
  MQL004: { severity: 'warning', meaning: 'a loop item (`.`, `..`) refers to more loops than enclose it' },
  MQL005: { severity: 'info', meaning: 'a function that is in none of the MQL function tables (kept opaque)' },
} as const satisfies CodeTable<'MQL'>;

const make = diagnosticMaker(MQL_CODES);

export const MqlDiagnostics = {
  notMapping: (file: string) => make('MQL001', file, 'rule file is not a YAML mapping', { line: 1 }, 'a Sublime rule is one YAML mapping with name, type and source'),
  noSource: (file: string) => make('MQL002', file, 'rule has no MQL source', undefined, 'add the MQL under `source:`'),
  syntax: (file: string, message: string, at: At) => make('MQL003', file, `MQL syntax error: ${message}`, at),
  itemOutsideLoop: (file: string, item: string, at: At) =>
    make('MQL004', file, `loop item \`${item}\` outside enough enclosing loops`, at, '`.` is the item of the innermost any/all/filter/map, `..` of the one around it'),
  unknownFunction: (file: string, name: string, at: At) => make('MQL005', file, `function ${name} is not in the MQL function tables; kept opaque`, at),
} as const;
