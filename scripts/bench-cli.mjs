/**
 * What the bench scripts share: whole-number options checked with a message naming the flag, and
 * the tail that runs a bench from dist-tools, prints its table and writes its JSON.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** `--name` as a whole number from min to max, undefined when absent; exits 2 with the fix otherwise. */
export function wholeOption(values, name, min, max) {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name}: use a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

/**
 * Runs `run(options)` of dist-tools/bench/<module>.js with the options given (absent ones left to
 * the bench's defaults), prints `format(result)`, and writes the result to `jsonPath` if given.
 */
export function runBench(module, run, format, options, jsonPath) {
  const bench = require(`../dist-tools/bench/${module}.js`);
  bench[run](Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)))
    .then((result) => {
      console.log(bench[format](result));
      if (jsonPath) fs.writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
