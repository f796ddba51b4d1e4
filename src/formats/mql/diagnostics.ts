/**
 * Diagnostics of the Sublime MQL adapter. Every code it emits:
 * | code   | meaning |
 * | MQL001 | the rule YAML is not a mapping |
 * | MQL002 | the rule has no `source:` (MQL) |
 * | MQL003 | MQL syntax error (file:line:column of the offending token) |
 * | MQL004 | a loop item (`.`, `..`) refers to more loops than enclose it |
 * | MQL005 | a function that is in none of the MQL function tables (kept opaque) |
 */
import { diag } from '../../model/diagnostics.ts';

type At = { line: number; column: number };

export const MqlDiagnostics = {
  notMapping: (file: string) => diag('MQL001', 'error', file, 'rule file is not a YAML mapping', { line: 1 }, 'a Sublime rule is one YAML mapping with name, type and source'),
  noSource: (file: string) => diag('MQL002', 'warning', file, 'rule has no MQL source', undefined, 'add the MQL under `source:`'),
  syntax: (file: string, message: string, at: At) => diag('MQL003', 'error', file, `MQL syntax error: ${message}`, at),
  itemOutsideLoop: (file: string, item: string, at: At) =>
    diag('MQL004', 'warning', file, `loop item \`${item}\` outside enough enclosing loops`, at, '`.` is the item of the innermost any/all/filter/map, `..` of the one around it'),
  unknownFunction: (file: string, name: string, at: At) => diag('MQL005', 'info', file, `function ${name} is not in the MQL function tables; kept opaque`, at),
} as const;
