/**
 * A scratch consumer project for the packed tarball, installed the way a user installs it
 * (`npm ci` of a project that depends on the .tgz, bin links and all) but without the network: its
 * lockfile is this project's own, restricted to the runtime dependencies (the entries without
 * `dev: true`), so every tarball is already in the npm cache that installed this checkout. A lock
 * whose dev flags hide a runtime dependency therefore fails here.
 *
 * `guard.cjs`, preloaded into every process run in the consumer, refuses any module resolved
 * outside the consumer: the checkout's own node_modules (a parent directory) cannot mask a
 * dependency missing from the package.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/local/paths';

interface LockEntry {
  version?: string;
  dev?: boolean;
  [key: string]: unknown;
}

interface Lockfile {
  packages: Record<string, LockEntry>;
}

export interface PackResult {
  filename: string;
  integrity: string;
  files: { path: string }[];
}

export function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
}

function check(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) {
    throw new Error(
      `${what} exited ${String(result.status ?? result.signal)}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** `npm pack` of the checkout (runs `prepack`, i.e. the build) into `out`. */
export function pack(out: string): PackResult {
  const stdout = check(run('npm', ['pack', '--json', '--pack-destination', out], projectRoot()), 'npm pack');
  const [result] = JSON.parse(stdout) as PackResult[];
  if (!result) throw new Error(`npm pack printed no result: ${stdout}`);
  return result;
}

const GUARD = `// Refuses modules resolved outside this consumer project (see test/package/consumer.ts).
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const root = fs.realpathSync(__dirname) + path.sep;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const file = resolve.call(this, request, ...rest);
  if (path.isAbsolute(file) && !fs.realpathSync(file).startsWith(root)) {
    throw new Error('resolved outside the consumer project: ' + request + ' -> ' + file);
  }
  return file;
};
`;

/** Writes the consumer project around `tarball` and installs it offline; returns its directory. */
export function installConsumer(out: string, packed: PackResult, typesNode: string[]): string {
  const dir = path.join(out, 'consumer');
  fs.mkdirSync(dir, { recursive: true });
  const ours = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package-lock.json'), 'utf8')) as Lockfile;
  const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    dependencies: Record<string, string>;
    bin: Record<string, string>;
  };
  const spec = `file:../${packed.filename}`;
  const registry = check(run('npm', ['config', 'get', 'registry'], dir), 'npm config get registry')
    .trim()
    .replace(/\/?$/, '/');
  const devDeps = Object.fromEntries(
    typesNode.map((name) => [name, ours.packages[`node_modules/${name}`]?.version]),
  );
  const packageJson = {
    name: 'ksp-consumer',
    version: '1.0.0',
    private: true,
    dependencies: { [manifest.name]: spec },
    devDependencies: { '@types/node': devDeps['@types/node'] },
  };
  const packages: Record<string, LockEntry> = {
    '': { ...packageJson, private: undefined },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: spec,
      integrity: packed.integrity,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
    },
  };
  for (const [key, entry] of Object.entries(ours.packages)) {
    const name = key.replace(/^.*node_modules\//, '');
    if (key.startsWith('node_modules/') && (!entry.dev || typesNode.includes(name))) {
      // This lock omits `resolved`; without it npm asks the registry for metadata, with it the
      // tarball comes from the cache by its integrity.
      const tarball = `${registry}${name}/-/${name.replace(/^@[^/]+\//, '')}-${entry.version}.tgz`;
      packages[key] = { resolved: tarball, ...entry, dev: undefined };
    }
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify(
      { name: packageJson.name, version: packageJson.version, lockfileVersion: 3, requires: true, packages },
      null,
      2,
    ),
  );
  fs.writeFileSync(path.join(dir, 'guard.cjs'), GUARD);
  check(
    run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', dir], dir),
    `npm ci --offline in ${dir} (every tarball should be in the npm cache that installed this checkout)`,
  );
  return dir;
}

/** Runs `node <args>` in the consumer with the guard preloaded. */
export function nodeInConsumer(dir: string, args: string[]): SpawnSyncReturns<string> {
  return run(process.execPath, ['--require', path.join(dir, 'guard.cjs'), ...args], dir, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_NO_WARNINGS: '1',
  });
}
