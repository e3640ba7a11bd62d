/**
 * The `ksp reshard` and `ksp autoscale` command lines: flags become requests and options, every
 * mistake is refused naming the flag, and results and decisions render for the terminal.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileAutoscaleOptions } from '../../src/config/autoscale-options';
import { autoscaleOptionsFromFlags, formatAutoscaleStatus } from '../../src/cli/commands/autoscale';
import { formatReshardResult, reshardRequestFromFlags } from '../../src/cli/commands/reshard';
import type { AutoscaleStatus } from '../../src/workflows/autoscale-messages';
import type { ReshardResult } from '../../src/workflows/reshard-messages';

describe('ksp reshard', () => {
  test.each<[string[], unknown]>([
    [['orders', '--to', '8'], { kind: 'count', targetShardCount: 8 }],
    [['orders', '--to', '3', '--steps'], { kind: 'count', targetShardCount: 3, allowMultipleSteps: true }],
    [['orders', '--split', 'shardId-000000000001'], { kind: 'split', shardId: 'shardId-000000000001' }],
    [
      ['orders', '--split', 's1', '--hash-key', '123'],
      { kind: 'split', shardId: 's1', newStartingHashKey: '123' },
    ],
    [['orders', '--merge', 's1', 's2'], { kind: 'merge', shardIds: ['s1', 's2'] }],
    [['orders', '--merge', 's1,s2'], { kind: 'merge', shardIds: ['s1', 's2'] }],
    [['orders', '--status'], null],
  ])('%j', (argv, request) => {
    expect(reshardRequestFromFlags(argv)).toMatchObject({
      streamName: 'orders',
      request,
      method: 'auto',
      wait: false,
    });
  });

  test('--wait, --json, --max-shards and --method', () => {
    expect(
      reshardRequestFromFlags([
        'o',
        '--to',
        '2',
        '--wait',
        '--json',
        '--max-shards',
        '64',
        '--method',
        'split-merge',
      ]),
    ).toEqual({
      streamName: 'o',
      request: { kind: 'count', targetShardCount: 2 },
      method: 'SplitMerge',
      maxShards: 64,
      wait: true,
      json: true,
    });
  });

  test.each<[string[], RegExp]>([
    [[], /missing <stream>/],
    [['orders'], /say what to change: use one of --to <n>, --split <shardId>, --merge <a> <b> or --status/],
    [['orders', '--to', '8', '--split', 's1'], /--to and --split cannot be combined/],
    [['orders', '--to', 'eight'], /--to: "eight" is invalid: use a whole number from 1 to 100000/],
    [['orders', '--to', '0'], /--to: "0" is invalid/],
    [['orders', '--merge', 's1'], /--merge needs two adjacent shards/],
    [['orders', '--split', 's1', '--steps'], /--steps goes with --to <n>/],
    [['orders', '--to', '4', '--hash-key', '5'], /--hash-key goes with --split <shardId>/],
    [
      ['orders', '--to', '4', '--method', 'fast'],
      /--method fast is not a method: use auto, update-shard-count or split-merge/,
    ],
    [['orders', '--to', '4', 'extra'], /unexpected argument extra/],
    [['orders', '--to'], /^--to needs a value. See `ksp reshard --help`.$/],
  ])('%j is refused', (argv, message) => {
    expect(() => reshardRequestFromFlags(argv)).toThrow(message);
  });

  test('a result says what was done: steps, calls, before and after', () => {
    const shard = (shardId: string, start: string, end: string) => ({
      shardId,
      startingHashKey: start,
      endingHashKey: end,
      parentShardIds: [],
    });
    const half = ((1n << 127n) - 1n).toString();
    const result: ReshardResult = {
      streamName: 'orders',
      request: { kind: 'count', targetShardCount: 2 },
      requestedBy: 'ksp reshard',
      before: [shard('shardId-000000000000', '0', ((1n << 128n) - 1n).toString())],
      after: [
        shard('shardId-000000000001', '0', half),
        shard('shardId-000000000002', (1n << 127n).toString(), ((1n << 128n) - 1n).toString()),
      ],
      steps: [
        {
          from: 1,
          to: 2,
          method: 'UpdateShardCount',
          calls: [
            {
              call: { op: 'UpdateShardCount', targetShardCount: 2 },
              durationMs: 310,
              activeAt: '2026-11-26T12:00:01.000Z',
            },
          ],
          startedAt: '2026-11-26T12:00:00.500Z',
          activeAt: '2026-11-26T12:00:01.000Z',
          durationMs: 520,
        },
      ],
      startedAt: '2026-11-26T12:00:00.000Z',
      finishedAt: '2026-11-26T12:00:01.200Z',
      durationMs: 1200,
      streamWorkflowNotified: true,
      notes: [],
    };
    expect(formatReshardResult(result)).toBe(
      [
        'resharded orders (to 2 shards): 1 → 2 open shards in 1.2s',
        '  step 1: 1 → 2 by UpdateShardCount (1 call, ACTIVE at 2026-11-26T12:00:01.000Z, 520ms)',
        '    UpdateShardCount → 2: ACTIVE after 310ms',
        '  before: shardId-000000000000 (100.0%)',
        '  after:  shardId-000000000001 (50.0%), shardId-000000000002 (50.0%)',
        '  the stream workflow recorded it and starts each new shard once its parents are read to the end',
      ].join('\n'),
    );
  });
});

describe('ksp autoscale', () => {
  test('flags map to options; the compile step names the field', () => {
    const flags = autoscaleOptionsFromFlags([
      'orders',
      '--max',
      '12',
      '--min',
      '2',
      '--up',
      '0.8',
      '--down-window',
      '10m',
      '--max-lag',
      'off',
      '--dry-run',
    ]);
    expect(flags.mode).toBe('start');
    expect(compileAutoscaleOptions(flags.options)).toMatchObject({
      minShards: 2,
      maxShards: 12,
      scaleUpThreshold: 0.8,
      scaleDownWindowMs: 600_000,
      maxLagMs: null,
      dryRun: true,
    });
    expect(() => compileAutoscaleOptions(autoscaleOptionsFromFlags(['orders']).options)).toThrow(
      /maxShards: is required/,
    );
  });

  test.each<[string[], RegExp]>([
    [['orders', '--up', 'lots'], /--up: "lots" is not a number: use a fraction such as 0.75/],
    [['orders', '--max', 'many'], /--max: "many" is invalid/],
    [['orders', '--status', '--stop'], /--status and --stop cannot be combined/],
    [
      ['orders', '--config', '/nonexistent/autoscale.json'],
      /--config: cannot read \/nonexistent\/autoscale.json/,
    ],
  ])('%j is refused', (argv, message) => {
    expect(() => autoscaleOptionsFromFlags(argv)).toThrow(message);
  });

  test('--config supplies options; flags override it', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ksp-autoscale-')), 'autoscale.json');
    writeFileSync(file, JSON.stringify({ maxShards: 6, minShards: 2, cooldown: '10m' }));
    const { options } = autoscaleOptionsFromFlags(['orders', '--config', file, '--max', '8']);
    expect(compileAutoscaleOptions(options)).toMatchObject({
      minShards: 2,
      maxShards: 8,
      cooldownMs: 600_000,
    });
  });

  test('--status and --stop', () => {
    expect(autoscaleOptionsFromFlags(['orders', '--status', '--json'])).toMatchObject({
      mode: 'status',
      json: true,
    });
    expect(autoscaleOptionsFromFlags(['orders', '--stop'])).toMatchObject({ mode: 'stop' });
  });

  test('the status lists decisions with their reasons and outcomes, folded holds with their count', () => {
    const options = compileAutoscaleOptions({ streamName: 'orders', maxShards: 16 });
    const metrics = {
      recordsPerSecond: 3_100,
      bytesPerSecond: 0,
      utilisation: 0.78,
      hottestShard: null,
      maxLagMs: 0,
    };
    const status: AutoscaleStatus = {
      streamName: 'orders',
      state: 'running',
      options,
      decisions: [
        {
          at: '2026-11-26T12:00:00.000Z',
          lastAt: '2026-11-26T12:02:00.000Z',
          count: 3,
          action: 'hold',
          code: 'above-not-sustained',
          reason: 'utilisation 78% is above 75%, but not for 3m yet',
          from: 4,
          to: null,
          metrics,
          outcome: null,
        },
        {
          at: '2026-11-26T12:03:00.000Z',
          lastAt: '2026-11-26T12:03:00.000Z',
          count: 1,
          action: 'scale-up',
          code: 'scale-up-load',
          reason: 'utilisation above 75% for 3m',
          from: 4,
          to: 7,
          metrics,
          outcome: {
            status: 'completed',
            detail: '4 → 7 shards in 1s (UpdateShardCount)',
            reshardWorkflowId: 'ksp:orders:reshard',
          },
        },
      ],
      lastChangeAt: '2026-11-26T12:03:01.000Z',
      lagHold: null,
      latest: {
        at: 0,
        streamStatus: 'ACTIVE',
        openShardCount: 7,
        account: null,
        records: 0,
        bytes: 0,
        maxLagMs: 0,
      },
      intervals: 0,
      run: 1,
    };
    expect(formatAutoscaleStatus(status).split('\n')).toEqual([
      'autoscale orders: running, 1–16 shards, up above 75% for 180s, down below 25% for 900s, target 50%, cooldown 300s',
      'last change 2026-11-26T12:03:01.000Z; 7 open shards, ACTIVE',
      '2026-11-26T12:00:00.000Z … 2026-11-26T12:02:00.000Z (×3)  hold above-not-sustained [3100 rec/s, utilisation 78%]: utilisation 78% is above 75%, but not for 3m yet',
      '2026-11-26T12:03:00.000Z  scale-up 4 → 7 scale-up-load [3100 rec/s, utilisation 78%]: utilisation above 75% for 3m',
      '    → completed: 4 → 7 shards in 1s (UpdateShardCount)',
    ]);
  });
});
