/**
 * Reading the named lists a hunt or an evaluation binds (`--lists PATH`, repeatable; see `src/model/lists.ts`):
 * - a `.json`, `.yml` or `.yaml` file: a mapping of list names to arrays of values (a single value is a list of one);
 * - any other file: one list, named after the file (its name without the extension), one value per line; blank lines
 *   and lines starting with `#` are skipped;
 * - a folder: each file in it, read as above.
 * Names may keep their sigil (`$org_domains`, `%Admins_Workstations%`). Values are strings, numbers or booleans, or
 * records (`{display_name: …, email: …}` for `$org_vips`, whose rules test a field of each); a list given twice is the
 * union of both.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadYaml } from '../formats/yaml.ts';
import { formatDiagnostic } from '../model/diagnostics.ts';
import { listName, type ListRecord, type ListValue, type NamedLists } from '../model/lists.ts';

/** Largest lists file read (bytes): a list of a million domains is about 20 MB. */
const MAX_LIST_FILE = 256 * 1024 * 1024;

/** The lists of the given files and folders. Throws an Error naming the file (and line) of what cannot be read. */
export function readNamedLists(paths: readonly string[]): NamedLists {
  const out = new Map<string, Set<ListValue>>();
  const add = (file: string, name: string, values: readonly unknown[]): void => {
    const key = listName(name);
    if (!key) throw new Error(`${file}: a list without a name`);
    const set = out.get(key) ?? new Set<ListValue>();
    values.forEach((v, i) => {
      if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') set.add(v);
      else if (v !== null && typeof v === 'object' && !Array.isArray(v)) set.add(v as ListRecord);
      else throw new Error(`${file}: list "${name}", value ${i + 1}: a list holds strings, numbers, booleans or records, not ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
    });
    out.set(key, set);
  };
  const readFile = (file: string): void => {
    const st = statSync(file);
    if (st.size > MAX_LIST_FILE) throw new Error(`${file}: ${st.size} bytes, more than the ${MAX_LIST_FILE} a lists file may have`);
    const text = readFileSync(file, 'utf8');
    const ext = path.extname(file).toLowerCase();
    if (ext === '.json' || ext === '.yml' || ext === '.yaml') {
      let value: unknown;
      if (ext === '.json') {
        try {
          value = JSON.parse(text);
        } catch (e) {
          throw new Error(`${file}: not JSON: ${(e as Error).message}`);
        }
      } else {
        const r = loadYaml(file, text);
        if (!r.ok) throw new Error(formatDiagnostic(r.diagnostic));
        value = r.yaml.value;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: a lists file is a mapping of list names to arrays of values`);
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) add(file, name, Array.isArray(v) ? v : [v]);
      return;
    }
    const values = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    add(file, path.basename(file, path.extname(file)), values);
  };
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new Error(`no such lists file or folder: ${p}`);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const f = path.join(p, name);
        if (statSync(f).isFile() && !name.startsWith('.')) readFile(f);
      }
    } else readFile(p);
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]));
}
