// The npm package: `npm pack` build/wasm/pkg, install the tarball into an empty project
// offline and score a conformance case through a bare import. Its one dependency (fflate, for
// gzip and zip archives) comes packed from the project's own node_modules (installed from the
// lock file): `npm ci` caches tarballs but not the registry metadata an offline install of a
// version range would need, so a fresh machine's cache cannot resolve it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertRunMatches, conformanceCases } from '../lib/compare.mjs';

const pkg = fileURLToPath(new URL('../../build/wasm/pkg', import.meta.url));
const npm = (args, cwd) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });

test('npm pack + npm install (offline) + import "pql-engine" scores a case', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pql-pkg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  assert.equal(manifest.name, 'pql-engine');
  assert.equal(manifest.type, 'module');

  npm(['pack', pkg, '--pack-destination', dir], dir);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack made a tarball');
  const depDir = join(dir, 'deps');
  execFileSync('mkdir', [depDir]);
  for (const dep of Object.keys(manifest.dependencies ?? {}))
    npm(
      [
        'pack',
        '--ignore-scripts',
        fileURLToPath(new URL(`../../node_modules/${dep}`, import.meta.url)),
        '--pack-destination',
        depDir,
      ],
      dir,
    );
  const deps = readdirSync(depDir).map((f) => join(depDir, f));

  const app = join(dir, 'app');
  execFileSync('mkdir', [app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  npm(['install', '--offline', join(dir, tarball), ...deps], app);
  const installed = readdirSync(join(app, 'node_modules', 'pql-engine')).sort();
  for (const f of ['index.d.ts', 'index.js', 'package.json', 'pql_core.mjs', 'pql_core.wasm'])
    assert.ok(installed.includes(f), `${f} is in the package`);

  const c = conformanceCases().find((x) => x.name === '03-fit');
  writeFileSync(
    join(app, 'main.mjs'),
    `
import { createEngine, PqlError } from 'pql-engine';
import { readFileSync } from 'node:fs';
const engine = await createEngine();
engine.setModel(readFileSync(${JSON.stringify(c.modelFile)}, 'utf8'));
engine.loadAccounts(readFileSync(${JSON.stringify(c.accountsFile)}));
engine.loadEvents(readFileSync(${JSON.stringify(c.eventsFile)}));
let code;
try { engine.setModel({ window_days: 0 }); } catch (e) { code = e instanceof PqlError && e.code; }
process.stdout.write(JSON.stringify({ run: engine.score(), code }));
engine.delete();
`,
  );
  const out = JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' }));
  assert.equal(out.code, 'invalid_model');
  assertRunMatches(out.run, c.expected, 'installed package');

  // The types compile for a strict TypeScript consumer (with the workspace's compiler).
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  if (!existsSync(tsc)) return t.diagnostic('typescript is not installed: types not checked');
  writeFileSync(
    join(app, 'main.ts'),
    `
import { createEngine, PqlError, type Engine, type ScoreRun, type LoadReport, type CanonicalModel, type Model, type FitOp } from 'pql-engine';
const engine: Engine = await createEngine({ wasmUrl: new URL('https://example.test/pql_core.wasm') });
const report: LoadReport = engine.loadEvents(new Uint8Array(0), { format: 'jsonl', strict: true });
const run: ScoreRun = engine.score({ offset: 0, limit: 10 });
const scores: Float64Array = engine.scores();
try { engine.setModel({ window_days: 7 }); } catch (e) { if (e instanceof PqlError) console.log(e.code, e.path, e.line); }
console.log(report.errors[0]?.line, run.results[0]?.grade, scores.length, engine.explain('a').id, engine.model().window_days);
// model() is canonical: every key is there, no \`?? default\` needed.
const m: CanonicalModel = engine.model();
const halfLife: number = m.engagement.half_life_days;
const minScore: number = m.pql.min_score;
const fitWeight: number = m.weights.fit;
console.log(halfLife + minScore + fitWeight, m.tiers.map((t) => t.name), m.activation.steps.map((s) => s.min_users));
const ok: Model = { pql: { rule: { all: [{ metric: 'score', op: '>=', value: 50 }, { metric: 'trait.plan', op: 'in', value: ['pro'] }] } } };
// @ts-expect-error: '=>' is not a comparison op (the op union is not widened to string)
const badOp: Model = { pql: { rule: { metric: 'score', op: '=>', value: 50 } } };
// @ts-expect-error: 'like' is not a fit op
const badFit: Model = { fit: { rules: [{ trait: 'plan', op: 'like', value: 'pro', points: 1 }] } };
engine.setAsOf('2024-05-01'); engine.setAsOf(new Date()); engine.setAsOf(0); engine.setAsOf(null);
// The engine's own answers, typed: the schema's lists, the CSV text, a streamed load's report.
const schema = engine.schema();
const fitOps: FitOp[] = schema.trait_ops.map((o) => o.op);
const csv: string = engine.scoreCsv({ limit: 10, traits: ['plan'] });
const streamed: Promise<LoadReport> = engine.loadEventsFrom(new Blob(['']), { replace: true, onProgress: (p) => console.log(p.done, p.total) });
engine.clearEvents(); engine.clearAccounts(); engine.clearOutcomes();
console.log(fitOps, csv.length, streamed, schema.default_model.weights.fit);
console.log(ok, badOp, badFit);
engine.delete();
`,
  );
  execFileSync(
    process.execPath,
    [
      tsc,
      '--strict',
      '--noEmit',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--lib',
      'es2022,dom',
      'main.ts',
    ],
    { cwd: app, encoding: 'utf8' },
  );
});
