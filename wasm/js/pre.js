// Prepended to Emscripten's glue (inside its factory function).
// Its Node branch reads __dirname and require()s fs and path to find and read the .wasm, but
// ES modules have neither, and the wrapper (index.js) always passes the bytes (wasmBinary)
// itself. These local stand-ins keep that branch from throwing, and keep bundlers such as
// Vite from resolving Node built-ins for a browser build.
var __dirname = '';
var require = function (name) {
  throw new Error('pql_core.mjs: load it through index.js (it wanted require("' + name + '"))');
};
