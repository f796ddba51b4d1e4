/**
 * `npm run bench`: the catalog benchmark (bench/catalog.ts) on all of ../shared/corpora, then every other
 * bench/*.ts (not starting with `_`) as a child process with the argument it takes. Each prints stable lines.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const root = path.resolve(here, '..');
const shared = path.resolve(root, '..', 'shared');
const corpora = process.env.DETWIKI_CORPORA ?? path.join(shared, 'corpora');
const attack = path.join(shared, 'attack', 'enterprise-attack-19.1.json');
const pantherCheckout = '/work/panther-analysis';

/**
 * The Node flags the `detwiki` command runs with (its shebang line): a benchmark of what the command does runs with
 * them too.
 */
function cliFlags(): string[] {
  const first = readFileSync(path.join(root, 'bin', 'detwiki.js'), 'utf8').split('\n', 1)[0]!;
  return first.startsWith('#!') ? first.split(/\s+/).filter((w) => w.startsWith('--')) : [];
}

/** The argument each benchmark takes (and Node flags of its own); undefined = skip (with the reason). */
function argsFor(name: string): { args: string[]; node?: string[] } | { skip: string } {
  switch (name) {
    case 'catalog.ts':
      return { args: [corpora, attack] };
    case 'attack.ts':
      return { args: [attack] };
    case 'serve.ts':
      return { args: [corpora, attack] };
    case 'sigma.ts':
      return { args: [path.join(corpora, 'sigma')] };
    case 'hunt.ts':
      // `detwiki hunt` end to end, as the command runs it
      return { args: [corpora], node: cliFlags() };
    case 'panther.ts':
      return { args: [path.join(corpora, 'panther')] };
    case 'panther-python.ts':
      return existsSync(pantherCheckout) ? { args: [pantherCheckout] } : { skip: `${pantherCheckout} not present` };
    default:
      return { args: [corpora] };
  }
}

if (!existsSync(corpora)) {
  console.error(`bench: no corpora at ${corpora}`);
  process.exit(1);
}
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .sort((a, b) => (a === 'catalog.ts' ? -1 : b === 'catalog.ts' ? 1 : a.localeCompare(b)))
  .filter((f) => !only.length || only.includes(f.replace(/\.ts$/, '')));
let failed = 0;
for (const f of files) {
  const a = argsFor(f);
  if ('skip' in a) {
    console.log(`bench.${f.replace(/\.ts$/, '')} skipped: ${a.skip}`);
    continue;
  }
  console.log(`== bench/${f} ${[...(a.node ?? []), ...a.args].join(' ')}`);
  const r = spawnSync(process.execPath, [...(a.node ?? []), '--expose-gc', '--import', 'tsx', path.join(here, f), ...a.args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`bench.${f.replace(/\.ts$/, '')} exit=${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
