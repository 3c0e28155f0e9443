// What both componentize drivers (componentize.mjs, componentize-quickjs.mjs) share:
// their arguments, the check that their inputs exist, writing the component, and the
// error they print on failure.

import { writeFile, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

// The parsed `options` (node:util's parseArgs), each of `required` present; prints
// `usage` and exits 0 for --help, 2 for bad arguments.
export function driverArgs(usage, options, required) {
  const usageError = (message) => {
    console.error(`error: ${message}\n${usage}`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    usageError(e.message);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  for (const name of required) {
    if (!values[name]) usageError(`missing --${name}`);
  }
  return { values, usageError };
}

// Fails naming the first of `inputs` ([what, path] pairs) that does not exist.
export async function checkInputs(inputs) {
  for (const [what, path] of inputs) {
    try {
      await stat(path);
    } catch {
      throw new Error(`${what} \`${path}\` does not exist`);
    }
  }
}

// Writes `bytes` to `path`, creating its folder.
export async function writeComponent(path, bytes) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

// Prints `error: <headline>` and the cause, indented as Weld prints causes, and exits 1.
export function fail(headline, message) {
  console.error(`error: ${headline}`);
  console.error(`Caused by:\n    ${message.split('\n').join('\n    ')}`);
  process.exit(1);
}
