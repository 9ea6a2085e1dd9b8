// Vite config for the pql playground: a static site built into build/web/.
// `npx vite build --config web/vite.config.ts` builds it; `npx vite preview --config web/vite.config.ts` serves it.
import { defineConfig, type Plugin } from 'vite';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const pkgDir = resolve(repo, 'build/wasm/pkg');
const outDir = resolve(repo, 'build/web');

// The engine's .wasm binary (its name is the WASM package's business): imported with `?url`
// so that Vite copies it into the site. A stub stands in while the package is not built.
function findWasm(): string | null {
  if (!existsSync(pkgDir)) return null;
  const names = readdirSync(pkgDir)
    .filter((n) => n.endsWith('.wasm'))
    .sort();
  return names.length ? resolve(pkgDir, names[0]) : null;
}
const wasmFile = findWasm();

// The page's CSP forbids inline styles; the dev server injects CSS as <style> elements,
// so only there is style-src relaxed. The built site keeps the policy as written.
const devCsp: Plugin = {
  name: 'pql-dev-csp',
  apply: 'serve',
  transformIndexHtml(html) {
    return html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
  },
};

// The Emscripten loader reaches for Node's fs and path only when it runs under Node: in the
// browser build they resolve to an empty module (instead of Vite's warning stub).
const nodeBuiltinsStub: Plugin = {
  name: 'pql-node-builtins-stub',
  enforce: 'pre',
  resolveId(id, importer) {
    return (id === 'fs' || id === 'path') && importer && importer.includes('pql_core') ? '\0pql-node-stub' : null;
  },
  load(id) {
    return id === '\0pql-node-stub' ? 'export default {};' : null;
  },
};

// `npx vite --config web/vite.config.ts` (development): serve build/sample at ./sample/ as the
// built site has it (build-web.sh copies it there).
const devSample: Plugin = {
  name: 'pql-dev-sample',
  apply: 'serve',
  configureServer(server) {
    const dir = resolve(repo, 'build/sample');
    server.middlewares.use('/sample', (req, res, next) => {
      const name = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
      const file = resolve(dir, name);
      if (!name || !file.startsWith(dir + '/') || !existsSync(file) || !statSync(file).isFile()) return next();
      res.setHeader('content-type', name.endsWith('.json') ? 'application/json' : 'application/x-ndjson');
      createReadStream(file).pipe(res);
    });
  },
};

const wasmStub: Plugin = {
  name: 'pql-wasm-stub',
  resolveId(id) {
    return !wasmFile && id.startsWith('@pql/wasm-file') ? '\0pql-wasm-stub' : null;
  },
  load(id) {
    return id === '\0pql-wasm-stub' ? 'export default undefined;' : null;
  },
};

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  clearScreen: false,
  plugins: [devCsp, devSample, wasmStub, nodeBuiltinsStub],
  worker: { format: 'es', plugins: () => [nodeBuiltinsStub, wasmStub] },
  resolve: {
    alias: [
      { find: /^@pql\/engine$/, replacement: resolve(pkgDir, 'index.js') },
      ...(wasmFile ? [{ find: /^@pql\/wasm-file/, replacement: wasmFile }] : []),
    ],
  },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: { fs: { allow: [repo] } },
  preview: { host: '127.0.0.1' },
});
