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

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { componentize, DEFAULT_FEATURES } from '@bytecodealliance/componentize-js';

import { checkInputs, driverArgs, fail, writeComponent } from './driver.mjs';

const USAGE = `usage: node componentize.mjs --source <entry.js> --wit <witdir> --world <world> --out <file.wasm> [--enable <feature>]... [--wizer <bin>]
features: ${DEFAULT_FEATURES.join(', ')} (all disabled unless enabled)`;

const { values, usageError } = driverArgs(
  USAGE,
  {
    source: { type: 'string' },
    wit: { type: 'string' },
    world: { type: 'string' },
    out: { type: 'string' },
    enable: { type: 'string', multiple: true, default: [] },
    wizer: { type: 'string' },
  },
  ['source', 'wit', 'world', 'out'],
);
const unknown = values.enable.filter((f) => !DEFAULT_FEATURES.includes(f));
if (unknown.length > 0) {
  usageError(`unknown feature ${unknown.map((f) => `\`${f}\``).join(', ')}`);
}

const sourcePath = resolve(values.source);
const witPath = resolve(values.wit);
const outPath = resolve(values.out);

async function main() {
  await checkInputs([
    ['source', sourcePath],
    ['WIT directory', witPath],
  ]);
  const disableFeatures = DEFAULT_FEATURES.filter((f) => !values.enable.includes(f));
  const { component } = await componentize({
    sourcePath,
    witPath,
    worldName: values.world,
    disableFeatures,
    ...(values.wizer ? { wizerBin: resolve(values.wizer) } : {}),
  });
  await writeComponent(outPath, component);
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
  fail(`failed to componentize \`${sourcePath}\` (world \`${values.world}\`)`, message);
});
