/**
 * `ksp --version` and `--help` on every command (issue 10, item 3): each command's own help lists
 * its flags, the environment it reads and the exit codes, on stdout with exit code 0.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ksp } from '../helpers/cli';

const EXIT_CODES = 'Exit codes: 0 ok, 1 failed (e.g. Temporal or AWS unreachable), 2 usage error.';
const TEMPORAL = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'KSP_TASK_QUEUE',
];
const AWS = ['AWS_REGION', 'AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL_SQS', 'AWS_PROFILE'];
const WORKER = [
  'KSP_HANDLER ',
  'KSP_HANDLER_EXPORT',
  'KSP_HANDLER_TYPE',
  'KSP_LOG_LEVEL',
  'KSP_MAX_CONCURRENT_ACTIVITIES',
  'KSP_MAX_CACHED_WORKFLOWS',
  'KSP_SHARE_GATED_SLOTS',
  'KSP_WORKFLOW_BUNDLE',
];

test('ksp --version prints the version in package.json', async () => {
  // Prepare
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  // Act
  const run = await ksp(['--version']);
  // Assess
  expect(run).toEqual({ code: 0, stdout: pkg.version, stderr: '' });
});

describe.each<[string, string[], string[]]>([
  ['dev', ['--stream', '--shards', '--rate', '--kinesis', '--fresh'], ['KSP_TEMPORAL_PORT', 'KSP_LOG_LEVEL']],
  ['worker', [], [...WORKER, ...TEMPORAL, ...AWS]],
  [
    'start',
    [
      '--dlq',
      '--start-position',
      '--batch-size',
      '--max-attempts',
      '--poll-wait',
      '--batching-window',
      '--bisect',
      '--max-record-age',
      '--non-retryable',
      '--config',
      '--json',
    ],
    [...TEMPORAL, ...AWS],
  ],
  ['status', ['--json'], TEMPORAL],
  ['pause', ['--reason', '--json'], TEMPORAL],
  ['resume', ['--json'], TEMPORAL],
  ['stop', ['--wait', '--json'], TEMPORAL],
  [
    'dlq',
    ['--mode', '--rate', '--max-tries', '--dry-run', '--detach', '--config', '--json', '--wait'],
    [...TEMPORAL, ...AWS],
  ],
  [
    'reshard',
    ['--to', '--steps', '--split', '--merge', '--max-shards', '--method', '--wait', '--json', '--status'],
    [...TEMPORAL, ...AWS],
  ],
  [
    'autoscale',
    ['--min', '--max', '--up', '--down', '--cooldown', '--max-lag', '--dry-run', '--config', '--json'],
    [...TEMPORAL, ...AWS],
  ],
  ['produce', ['--rate', '--size', '--keys', '--count', '--duration', '--aggregate', '--json'], AWS],
])('ksp %s --help', (command, flags, variables) => {
  it.each([['--help'], ['-h']])(`%s prints the command's own help`, async (flag) => {
    // Act
    const run = await ksp([command, flag]);
    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^Usage: (KSP_HANDLER=<module> )?ksp ${command}`));
    for (const f of flags) expect(run.stdout).toMatch(new RegExp(`${f}(?![\\w-])`));
    if (variables.length > 0) expect(run.stdout).toContain('\nEnvironment:\n');
    for (const v of variables) expect(run.stdout).toContain(v);
    expect(run.stdout.endsWith(EXIT_CODES)).toBe(true);
  });

  it('wins over other arguments, so a broken command line still shows it', async () => {
    const run = await ksp([command, 'some-stream', '--bogus', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: /);
  });
});

test('ksp --help lists every command, --json, and the exit codes', async () => {
  const run = await ksp(['--help']);
  expect(run.code).toBe(0);
  for (const c of [
    'dev',
    'worker',
    'start',
    'status',
    'pause',
    'resume',
    'stop',
    'dlq',
    'reshard',
    'autoscale',
    'produce',
  ]) {
    expect(run.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  }
  expect(run.stdout).toContain('--json');
  expect(run.stdout).toContain(EXIT_CODES);
});

test('ksp with no command is a usage error: the help goes to stderr, exit code 2', async () => {
  const run = await ksp([]);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toContain('Usage: ksp <command> [options]');
});
