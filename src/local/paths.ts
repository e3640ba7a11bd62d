/**
 * Where the project keeps its local tooling and state, and which server binaries to run.
 * Works from `src/` (ts-jest) and from `dist/` (compiled): both sit one level below the root.
 */
import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'kinesis-stream-processor';

let cachedRoot: string | undefined;

/** The project root: the nearest ancestor of this file whose package.json names this project. */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === PACKAGE_NAME) return (cachedRoot = dir);
    }
    if (path.dirname(dir) === dir) {
      throw new Error(
        `No package.json named ${PACKAGE_NAME} above ${__dirname}: is this file outside the project?`,
      );
    }
  }
}

/** `.tools/`: provisioned servers (`bin/` wrappers, `venv/`). Git-ignored. */
export function toolsDir(): string {
  return path.join(projectRoot(), '.tools');
}

/** `.data/`: dev-stack state (Temporal SQLite, kinesis-local persistence, logs). Git-ignored. */
export function dataDir(): string {
  return path.join(projectRoot(), '.data');
}

/** `.test-out/`: test scratch output (workflow bundle, logs, sinks). Git-ignored. */
export function testOutDir(): string {
  return path.join(projectRoot(), '.test-out');
}

const PROVISION_HINT =
  'run `npm start` or `npm test` (both provision first), or `node scripts/provision.mjs`';

function resolveBinary(
  name: string,
  envVar: string,
  env: NodeJS.ProcessEnv,
  provisioned = path.join(toolsDir(), 'bin', name),
): string {
  const own = env[envVar];
  const file = own ? path.resolve(own) : provisioned;
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new Error(
      own
        ? `${envVar}=${own} is not an executable file: point it at your own \`${name}\` or unset it to use the provisioned one.`
        : `${file} is missing: ${PROVISION_HINT}, which installs it into .tools/.`,
    );
  }
  return file;
}

/**
 * The Temporal CLI (`temporal server start-dev`): `KSP_TEMPORAL_BIN` when set, else the
 * provisioned `.tools/bin/temporal`. Throws a message saying how to provision when missing.
 */
export function resolveTemporalBin(env: NodeJS.ProcessEnv = process.env): string {
  return resolveBinary('temporal', 'KSP_TEMPORAL_BIN', env);
}

/**
 * The time-skipping test server: `KSP_TEMPORAL_TEST_SERVER_BIN` when set, else the provisioned
 * `.tools/bin/temporal-test-server` (a wrapper that `exec`s the native binary, so the SDK's
 * SIGKILL reaches the server). Your own path must be the server or such an exec wrapper too.
 */
export function resolveTestServerBin(env: NodeJS.ProcessEnv = process.env): string {
  return resolveBinary('temporal-test-server', 'KSP_TEMPORAL_TEST_SERVER_BIN', env);
}

/**
 * Prometheus or promtool (metrics tests, `promtool test rules`): `KSP_PROMETHEUS_BIN` /
 * `KSP_PROMTOOL_BIN` when set, else the ones provisioned from Debian's package into
 * `.tools/prometheus/usr/bin/`.
 */
export function resolvePrometheusBin(
  name: 'prometheus' | 'promtool',
  env: NodeJS.ProcessEnv = process.env,
): string {
  const envVar = name === 'prometheus' ? 'KSP_PROMETHEUS_BIN' : 'KSP_PROMTOOL_BIN';
  return resolveBinary(name, envVar, env, path.join(toolsDir(), 'prometheus', 'usr', 'bin', name));
}
