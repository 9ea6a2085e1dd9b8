// Imports a playground module (web/src/<name>.ts) into a Node test: transpiled with the
// workspace's own TypeScript into a temporary folder (removed on exit). The modules loaded this
// way have type-only imports, so each one stands alone.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let tmp = null;

export async function loadWebModule(name) {
  if (!tmp) {
    tmp = mkdtempSync(join(tmpdir(), 'pql-web-unit-'));
    process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  }
  const src = readFileSync(join(ROOT, 'web/src', `${name}.ts`), 'utf8');
  const out = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = join(tmp, `${name}.mjs`);
  writeFileSync(file, out);
  return import(pathToFileURL(file).href);
}
