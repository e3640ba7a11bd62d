/**
 * The package as a user gets it: `npm pack`, install the tarball into a scratch project (offline,
 * see consumer.ts), then import the library from TypeScript (nodenext and bundler resolution),
 * plain ES modules and CommonJS, and run the installed `ksp` bin.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot, testOutDir } from '../../src/local/paths';
import { installConsumer, nodeInConsumer, pack, type PackResult, run } from './consumer';

const out = path.join(testOutDir(), 'package');
let packed: PackResult;
let consumer: string;

/** What a user reaches for first; each must be a function in both module systems. */
const API = [
  'createProducer',
  'createKinesisClient',
  'createSqsClient',
  'fromLambdaHandler',
  'loadHandler',
  'readAwsConfig',
  'readTemporalConfig',
  'connectClient',
  'startStream',
  'deaggregate',
];
/** The local stack: its emulators, and ksp's own code that starts them (only `ksp dev` needs either). */
const EMULATORS = /node_modules\/(kinesalite|kinesis-local|fauxqs\/|kinesis-stream-processor\/dist\/local\/)/;

beforeAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  packed = pack(out);
  consumer = installConsumer(out, packed, ['@types/node', 'undici-types']);
}, 600_000);

test('the tarball holds the build, its declarations and the bin, and nothing from src/ or test/', () => {
  const files = packed.files.map((f) => f.path);
  for (const f of [
    'package.json',
    'README.md',
    'LICENSE',
    'bin/ksp.js',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/main.js',
    'dist/workers/index.d.ts',
    'dist/workflows/index.js',
  ]) {
    expect(files).toContain(f);
  }
  expect(files.filter((f) => !/^(dist\/|bin\/|README\.md$|LICENSE$|package\.json$)/.test(f))).toEqual([]);
  expect(files.filter((f) => f.endsWith('.map') || f.includes('tsbuildinfo') || f.includes('.ksp-'))).toEqual(
    [],
  );
  const installed = JSON.parse(
    fs.readFileSync(path.join(consumer, 'node_modules/kinesis-stream-processor/package.json'), 'utf8'),
  ) as { dependencies: Record<string, string> };
  expect(Object.keys(installed.dependencies)).not.toEqual(expect.arrayContaining(['kinesalite']));
  for (const emulator of ['kinesalite', 'kinesis-local', 'fauxqs']) {
    expect(fs.existsSync(path.join(consumer, 'node_modules', emulator))).toBe(false);
  }
});

test('CommonJS: require() of the library and of /worker, no emulator loaded, no deep imports', () => {
  fs.writeFileSync(
    path.join(consumer, 'cjs.cjs'),
    `const ksp = require('kinesis-stream-processor');
const worker = require('kinesis-stream-processor/worker');
let deep;
try { require('kinesis-stream-processor/dist/handler/contract'); } catch (err) { deep = err.code; }
const client = ksp.createKinesisClient(ksp.readAwsConfig({ AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:4567' }).kinesis);
client.destroy();
console.log(JSON.stringify({
  api: ${JSON.stringify(API)}.filter((name) => typeof ksp[name] !== 'function'),
  worker: typeof worker.createKspWorker,
  deep,
  loaded: Object.keys(require.cache).filter((f) => ${EMULATORS}.test(f)),
}));`,
  );
  const result = nodeInConsumer(consumer, ['cjs.cjs']);
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({
    api: [],
    worker: 'function',
    deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    loaded: [],
  });
});

test('ES modules: named imports, the same exports as require()', () => {
  fs.writeFileSync(
    path.join(consumer, 'esm.mjs'),
    `import * as ns from 'kinesis-stream-processor';
import { ${API.join(', ')} } from 'kinesis-stream-processor';
import { createKspWorker } from 'kinesis-stream-processor/worker';
import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('kinesis-stream-processor');
const named = [${API.join(', ')}].filter((f) => typeof f !== 'function').length;
const esmKeys = Object.keys(ns).filter((k) => k !== 'default' && k !== '__esModule').sort();
console.log(JSON.stringify({ named, worker: typeof createKspWorker, same: JSON.stringify(esmKeys) === JSON.stringify(Object.keys(cjs).sort()), count: esmKeys.length }));`,
  );
  const result = nodeInConsumer(consumer, ['esm.mjs']);
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({
    named: 0,
    worker: 'function',
    same: true,
    count: expect.any(Number) as number,
  });
});

const CONSUMER_TS = `import type { BatchHandler, KinesisRecord } from 'kinesis-stream-processor';
import { createKinesisClient, createProducer, readAwsConfig, fromLambdaHandler } from 'kinesis-stream-processor';
import { type KspWorkerOptions, createKspWorker } from 'kinesis-stream-processor/worker';

export const handler: BatchHandler = async (records: readonly KinesisRecord[], context) => {
  context.log.info('batch', { n: records.length, first: records[0]?.idempotencyKey });
  return { batchItemFailures: [] };
};
const kinesis = createKinesisClient(readAwsConfig(process.env).kinesis);
export const producer = createProducer({ kinesis, streamName: 'orders', aggregation: true });
export const lambda: BatchHandler = fromLambdaHandler(async () => ({ batchItemFailures: [] }), { region: 'us-east-1' });
export const start: (o: KspWorkerOptions) => Promise<unknown> = createKspWorker;
// @ts-expect-error a deep import is not part of the package's exports
import type { BatchHandler as Deep } from 'kinesis-stream-processor/dist/handler/contract';
export type Unused = Deep;
`;

test.each([
  ['nodenext, ES module', 'nodenext', 'nodenext', 'consumer.mts'],
  ['nodenext, CommonJS', 'nodenext', 'nodenext', 'consumer.cts'],
  ['bundler', 'preserve', 'bundler', 'consumer.ts'],
])(
  'TypeScript (%s) type-checks against the installed declarations',
  (_name, module, moduleResolution, file) => {
    const dir = path.join(consumer, `ts-${moduleResolution}-${path.extname(file).slice(1)}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), CONSUMER_TS);
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module,
          moduleResolution,
          target: 'es2022',
          strict: true,
          noEmit: true,
          types: ['node'],
          skipLibCheck: true,
        },
        files: [file],
      }),
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const result = run(process.execPath, [tsc, '-p', dir], dir);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  },
);

test('every TypeScript example in the README type-checks against the installed package', () => {
  const readme = fs.readFileSync(path.join(projectRoot(), 'README.md'), 'utf8');
  const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  expect(examples.length).toBeGreaterThanOrEqual(2);
  const dir = path.join(consumer, 'ts-readme');
  fs.mkdirSync(dir, { recursive: true });
  const files = examples.map((code, i) => {
    expect(code).toContain("from 'kinesis-stream-processor'");
    fs.writeFileSync(path.join(dir, `example-${i}.mts`), `${code}\nexport {};\n`);
    return `example-${i}.mts`;
  });
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        types: ['node'],
        skipLibCheck: true,
      },
      files,
    }),
  );
  const result = run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], dir);
  expect(result.stdout + result.stderr).toBe('');
});

test('the installed ksp bin runs: --version, --help and start --help', () => {
  const bin = path.join(consumer, 'node_modules/.bin/ksp');
  const env = {
    PATH: process.env.PATH,
    NODE_OPTIONS: `--require ${path.join(consumer, 'guard.cjs')}`,
    NODE_NO_WARNINGS: '1',
  };
  const version = run(bin, ['--version'], consumer, env);
  expect(version.stderr).toBe('');
  expect(version.status).toBe(0);
  expect(version.stdout.trim()).toBe(
    (JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string })
      .version,
  );
  const help = run(bin, ['--help'], consumer, env);
  expect(help.stderr).toBe('');
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^ksp — consume Kinesis streams/);
  expect(help.stdout).toContain('--profile <name>');
  const start = run(bin, ['start', '--help'], consumer, env);
  expect(start.stderr).toBe('');
  expect(start.status).toBe(0);
  expect(start.stdout).toContain('--dlq');
});
