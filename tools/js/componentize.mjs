#!/usr/bin/env node
// Builds a WebAssembly component from a JS module with componentize-js.
//
// Weld's JS builder runs exactly this script:
//
//   node tools/js/componentize.mjs --source <entry.js> --wit <witdir> --world <world>
//                                  --out <file.wasm> [--enable <feature>]... [--wizer <bin>]
//
// It calls the componentize-js JS API rather than the `componentize-js`/`jco componentize`
// CLIs, which fail on relative paths. Every optional WASI feature of the JS runtime
// (stdio, random, clocks, http, fetch-event) is disabled unless named with --enable, so
// a stage imports only what it asked for: with none enabled, it imports nothing but the
// interfaces of its world. Paths are resolved against the current directory. On failure
// the error is printed to stderr and the exit code is 1 (2 for bad arguments).
//
// Deterministic output: ./deterministic.mjs fixes the clock and randomness the
// splicer sees, and `--wizer` names Weld's deterministic Wizer (weld-wizer) to use
// instead of the bundled one. With both, the same sources give the same bytes.

// First: it must patch preview2-shim before componentize-js's modules are evaluated.
import './deterministic.mjs';

import { readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { componentize, DEFAULT_FEATURES } from '@bytecodealliance/componentize-js';

const USAGE = `usage: node componentize.mjs --source <entry.js> --wit <witdir> --world <world> --out <file.wasm> [--enable <feature>]... [--wizer <bin>]
features: ${DEFAULT_FEATURES.join(', ')} (all disabled unless enabled)`;

function usageError(message) {
  console.error(`error: ${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      source: { type: 'string' },
      wit: { type: 'string' },
      world: { type: 'string' },
      out: { type: 'string' },
      enable: { type: 'string', multiple: true, default: [] },
      wizer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  usageError(e.message);
}

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
for (const name of ['source', 'wit', 'world', 'out']) {
  if (!values[name]) usageError(`missing --${name}`);
}
const unknown = values.enable.filter((f) => !DEFAULT_FEATURES.includes(f));
if (unknown.length > 0) {
  usageError(`unknown feature ${unknown.map((f) => `\`${f}\``).join(', ')}`);
}

const sourcePath = resolve(values.source);
const witPath = resolve(values.wit);
const outPath = resolve(values.out);

async function main() {
  for (const [what, path] of [['source', sourcePath], ['WIT directory', witPath]]) {
    try {
      await stat(path);
    } catch {
      throw new Error(`${what} \`${path}\` does not exist`);
    }
  }
  const disableFeatures = DEFAULT_FEATURES.filter((f) => !values.enable.includes(f));
  const { component } = await componentize({
    sourcePath,
    witPath,
    worldName: values.world,
    disableFeatures,
    ...(values.wizer ? { wizerBin: resolve(values.wizer) } : {}),
  });
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, component);
}

// componentize-js reports a syntax error only as "failed to parse JS source, encountered
// [N] errors"; parse again with the same parser (oxc, its dependency) to show where.
async function syntaxErrors() {
  try {
    const { parseAsync } = await import('oxc-parser');
    const code = await readFile(sourcePath, 'utf8');
    const { errors } = await parseAsync(sourcePath, code);
    return errors.map((e) => (e.codeframe || e.message).replace(/^\n+/, '').trimEnd());
  } catch {
    return [];
  }
}

main().catch(async (e) => {
  let message = e && e.message ? e.message : String(e);
  if (message.includes('failed to parse JS source')) {
    message = [message, ...(await syntaxErrors())].join('\n');
  }
  console.error(`error: failed to componentize \`${sourcePath}\` (world \`${values.world}\`)`);
  console.error(`Caused by:\n    ${message.split('\n').join('\n    ')}`);
  process.exit(1);
});
