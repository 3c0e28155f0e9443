#!/usr/bin/env node
// Builds a WebAssembly component from a JS module on QuickJS, with componentize-qjs
// (the engine behind `jco componentize --backend quickjs`).
//
// Weld's JS builder runs exactly this script for stages with `engine: quickjs`:
//
//   node tools/js/componentize-quickjs.mjs --source <entry.js> --wit <wit> --world <world>
//                                          --runtime <runtime.wasm> --out <file.wasm>
//                                          [--prelude <prelude.js>] [--epilogue <epilogue.js>]
//                                          [--warm-up <warm-up.js>] [--world-name <name>]
//                                          [--export <jsName>=<witName>]...
//
// It calls the componentize-qjs API as `jco componentize --backend quickjs
// --backend-qjs-disable-async --backend-qjs-stub-wasi` does, with three differences:
// - `--runtime` names the QuickJS runtime module to embed. Weld passes the non-async
//   runtime that componentize-qjs ships, with its clock and seed imports answered by
//   fixed values (composer/src/build/js/quickjs.rs says why), so the snapshot
//   componentize-qjs takes of the engine after evaluating the module is the same in
//   every build.
// - That runtime answers every other WASI import itself (a trap, as componentize-qjs's
//   stubs would), so `stubWasi` is off: there is nothing left for it to stub.
// - The module root (what the entry module may import from) is the entry module's
//   folder, whatever the current directory: its modules are named after their paths in
//   that folder (`/style.js`), never after a host path.
// - `--prelude` names statements (one line) put before the entry module's first line:
//   Weld's `console` (composer/src/build/js/console.rs), for the world Weld builds the
//   stage against (`--wit`, `--world`: the stage's world plus stdout and stderr).
//   `--epilogue` names statements put after its last line (turning `console` on once the
//   module has been evaluated).
//   `--world-name` is the stage's own world, as messages name it.
// - `--warm-up` names statements (composer/src/build/js/warm_up.rs) that call the module's
//   exports as `__weldExports.<name>`, run after the module's own code and before the
//   epilogue, so the snapshot is of an engine that has already run them once. This script
//   binds `__weldExports` to the module's own bindings of those exports, which only the
//   module's text says (`export { impl as styles }`).
// The component imports only what its world declares. It still exports componentize-qjs's `init` function, which the snapshot has
// already run: Weld wraps the component without it. Each `--export` names what the
// module must export for its world (an object per interface, a function per function);
// componentize-qjs looks them up only when they are called, and a stage without one
// would trap then with nothing said (its stderr is a stub too), so a missing one is
// reported here, before building. On failure the error is printed to stderr and the
// exit code is 1 (2 for bad arguments).

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { componentize } from 'componentize-qjs';

import { checkInputs, driverArgs, fail, writeComponent } from './driver.mjs';

const USAGE =
  'usage: node componentize-quickjs.mjs --source <entry.js> --wit <wit> --world <world> --runtime <runtime.wasm> --out <file.wasm> [--prelude <prelude.js>] [--epilogue <epilogue.js>] [--warm-up <warm-up.js>] [--world-name <name>] [--export <jsName>=<witName>]...';

const { values } = driverArgs(
  USAGE,
  {
    source: { type: 'string' },
    wit: { type: 'string' },
    world: { type: 'string' },
    runtime: { type: 'string' },
    out: { type: 'string' },
    export: { type: 'string', multiple: true, default: [] },
    prelude: { type: 'string' },
    epilogue: { type: 'string' },
    'warm-up': { type: 'string' },
    'world-name': { type: 'string' },
  },
  ['source', 'wit', 'world', 'runtime', 'out'],
);

const sourcePath = resolve(values.source);
const witPath = resolve(values.wit);
const runtimePath = resolve(values.runtime);
const outPath = resolve(values.out);
const worldName = values['world-name'] ?? values.world;

async function main() {
  await checkInputs([
    ['source', sourcePath],
    ['WIT', witPath],
    ['QuickJS runtime', runtimePath],
  ]);
  const jsSource = await readFile(sourcePath, 'utf8');
  const missing = await missingExports(jsSource);
  if (missing.length > 0) {
    const list = missing.map(([js, wit]) => `\`${js}\` (for \`${wit}\`)`).join(', ');
    const [js] = missing[0];
    throw new Error(
      `the module does not export ${list}, which world \`${worldName}\` exports\n` +
        `help: export an object named after each exported interface, with its functions as methods ` +
        `(\`export const ${js} = { ... }\`), and each function the world exports itself ` +
        `(\`export function name(...) { ... }\`), names in lower camel case`,
    );
  }
  const prelude = values.prelude ? await readFile(resolve(values.prelude), 'utf8') : '';
  const epilogue = values.epilogue ? await readFile(resolve(values.epilogue), 'utf8') : '';
  const warmUp = values['warm-up']
    ? await warmUpBlock(jsSource, await readFile(resolve(values['warm-up']), 'utf8'))
    : '';
  const { component } = await componentize({
    witPath,
    jsSource: withPrelude(prelude, jsSource) + warmUp + epilogue,
    jsPath: sourcePath,
    moduleRoot: dirname(sourcePath),
    world: values.world,
    runtime: runtimePath,
    stubWasi: false,
  });
  await writeComponent(outPath, component);
}

// `source` with `prelude` (one line, no line break) put before its first line, or after a
// `#!` line, so that every line keeps its number.
function withPrelude(prelude, source) {
  if (!prelude) return source;
  if (!source.startsWith('#!')) return `${prelude} ${source}`;
  const end = source.indexOf('\n');
  if (end < 0) return `${source}\n${prelude}`;
  return `${source.slice(0, end + 1)}${prelude} ${source.slice(end + 1)}`;
}

// `statements` in a block of their own, after the module's last line, with
// `__weldExports` naming each export the statements use by the module's local binding.
async function warmUpBlock(code, statements) {
  const lexer = await import('es-module-lexer');
  await lexer.init;
  const [, exports] = lexer.parse(code);
  const local = new Map(exports.map((e) => [e.n, e.ln]));
  const bindings = [];
  for (const [js] of values.export.map((pair) => pair.split(/=(.*)/s, 2))) {
    if (!new RegExp(`__weldExports\\.${js}\\b`).test(statements)) continue;
    const name = local.get(js);
    if (!name) {
      throw new Error(
        `\`warm-up: tests\` calls the export \`${js}\`, which the module does not declare itself\n` +
          `help: declare it in the entry module (\`export const ${js} = { ... }\`), not re-export it from another one`,
      );
    }
    bindings.push(`${js}: ${name}`);
  }
  return `\n{ const __weldExports = { ${bindings.join(', ')} };\n${statements}}\n`;
}

// The `--export`s the module does not export, as [jsName, witName]. Read with
// es-module-lexer (componentize-js's dependency); nothing is reported when it is missing,
// when the module does not parse (componentize-qjs reports where) or when it re-exports
// everything of another module (`export * from`), whose names are not known here.
async function missingExports(code) {
  let lexer;
  try {
    lexer = await import('es-module-lexer');
    await lexer.init;
  } catch {
    return [];
  }
  let imports, exports;
  try {
    [imports, exports] = lexer.parse(code);
  } catch {
    return [];
  }
  if (imports.some((i) => /^export\s*\*/.test(code.slice(i.ss, i.se)))) return [];
  const names = new Set(exports.map((e) => e.n));
  return values.export
    .map((pair) => pair.split(/=(.*)/s, 2))
    .filter(([js]) => !names.has(js));
}

main().catch((e) => {
  // componentize-qjs prefixes the engine's own output (none here) and names modules by
  // their path in the module root (`at /style.js:3:7`): name the file on disk instead.
  const root = dirname(sourcePath);
  const message = (e && e.message ? e.message : String(e))
    .replace(/^:\s*/, '')
    .replace(/\bat (\/[^\s:]+):(\d+):(\d+)/g, (_, path, line, column) => `at ${root}${path}:${line}:${column}`);
  fail(`failed to componentize \`${sourcePath}\` on QuickJS (world \`${worldName}\`)`, message);
});
