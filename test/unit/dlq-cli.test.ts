import { ConfigError } from '../../src/errors';
import { formatReplayBar, formatReplayCounts, formatReplaySummary } from '../../src/cli/render-dlq';
import { dlqCommand } from '../../src/cli/commands/dlq';
import { orderedReplayProblem } from '../../src/client/dlq-control';
import { replayOptionsFromFlags } from '../../src/cli/commands/dlq-flags';
import type { CliContext } from '../../src/cli/context';
import { UsageError } from '../../src/cli/usage';
import { emptyCounts } from '../../src/dlq/replay-contract';
import { compileDlqReplayOptions } from '../../src/config/replay-options';
import type { DlqReplayProgress } from '../../src/workflows/dlq-replay-messages';

const DLQ = 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq';
const noConfig = (): unknown => {
  throw new Error('no config expected');
};

describe('replayOptionsFromFlags', () => {
  it('reads every flag, repeatable filters included', () => {
    // Act
    const { options, detach } = replayOptionsFromFlags(
      [
        DLQ,
        '--mode',
        'reput',
        '--stream',
        'orders-replay',
        '--error-type',
        'TypeError',
        '--error-type',
        'PoisonError',
        '--shard',
        'shardId-000000000001',
        '--source-stream',
        'orders',
        '--partition-key',
        'k1',
        '--since',
        '2026-03-01T00:00:00Z',
        '--until',
        '2026-03-02T00:00:00Z',
        '--rate',
        '200',
        '--max',
        '50',
        '--max-tries',
        '5',
        '--parking-queue',
        `${DLQ}-parking`,
        '--park-unreadable',
        '--grace',
        '5s',
        '--dry-run',
        '--detach',
      ],
      noConfig,
    );
    // Assess
    expect(detach).toBe(true);
    expect(compileDlqReplayOptions(options)).toMatchObject({
      queueUrl: DLQ,
      mode: 'reput',
      targetStream: 'orders-replay',
      filters: {
        errorTypes: ['TypeError', 'PoisonError'],
        shardIds: ['shardId-000000000001'],
        streamNames: ['orders'],
        partitionKeys: ['k1'],
        since: '2026-03-01T00:00:00.000Z',
        until: '2026-03-02T00:00:00.000Z',
      },
      ratePerSecond: 200,
      maxMessages: 50,
      maxTries: 5,
      parkingQueueUrl: `${DLQ}-parking`,
      parkUnreadable: true,
      emptyGracePeriodMs: 5_000,
      dryRun: true,
    });
  });

  it('lets flags override a --config file, filter by filter', () => {
    // Act
    const { options } = replayOptionsFromFlags(
      [DLQ, '--config', 'replay.json', '--shard', 'shardId-2'],
      () => ({
        maxTries: 9,
        filters: { errorTypes: ['TypeError'], shardIds: ['shardId-1'] },
      }),
    );
    // Assess
    expect(options).toMatchObject({
      queueUrl: DLQ,
      maxTries: 9,
      filters: { errorTypes: ['TypeError'], shardIds: ['shardId-2'] },
    });
  });

  it.each<[string, string[], new (...args: never[]) => Error, string]>([
    ['no queue URL', [], UsageError, 'missing <queue-url>'],
    ['an unknown flag', [DLQ, '--fast'], UsageError, 'unknown option --fast. See `ksp dlq replay --help`.'],
    ['a mistyped flag', [DLQ, '--dryrun'], UsageError, 'unknown option --dryrun: did you mean --dry-run?'],
    ['a rate that is no number', [DLQ, '--rate', 'lots'], ConfigError, '--rate'],
    ['max-tries 0', [DLQ, '--max-tries', '0'], ConfigError, '--max-tries'],
  ])('refuses %s', (_what, argv, type, message) => {
    // Act
    const parse = (): unknown => replayOptionsFromFlags(argv, noConfig);
    // Assess
    expect(parse).toThrow(type);
    expect(parse).toThrow(message);
  });
});

describe('dlqCommand', () => {
  it.each([
    [[], 'missing subcommand'],
    [['purge', DLQ], 'unknown subcommand "purge"'],
  ])('refuses %p with the usage', async (argv, message) => {
    // Act
    const run = dlqCommand({} as CliContext, argv);
    // Assess
    await expect(run).rejects.toThrow(UsageError);
    await expect(dlqCommand({} as CliContext, argv)).rejects.toThrow(message);
  });
});

describe('replay progress rendering', () => {
  const progress = (over: Partial<DlqReplayProgress> = {}): DlqReplayProgress => ({
    ...emptyCounts(),
    seen: 40,
    replayed: 36,
    failed: 1,
    skipped: 2,
    parked: 1,
    records: { replayed: 360, failed: 10, parked: 10, reread: 0, requeued: 0 },
    skippedBy: { foreign: 2 },
    queueUrl: DLQ,
    mode: 'handler',
    dryRun: false,
    state: 'running',
    held: 2,
    emptySince: null,
    lastError: null,
    startedAt: '2026-03-01T12:00:00.000Z',
    updatedAt: '2026-03-01T12:00:04.000Z',
    run: 1,
    ...over,
  });

  it('counts in one line, with the reasons for skipping', () => {
    // Act
    const line = formatReplayCounts(progress());
    // Assess
    expect(line).toBe('seen 40 · replayed 36 (360 records) · failed 1 · skipped 2 (foreign 2) · parked 1');
  });

  it('draws a bar against the queue depth at the start, with the rate', () => {
    // Act
    const bar = formatReplayBar(progress(), 80, 4_000, 20);
    // Assess
    expect(bar).toMatch(/^\[#{10}-{10}\] 40\/80 seen 40 · replayed 36/);
    expect(bar).toContain('10.0 msg/s, 90.0 rec/s');
  });

  it('caps the bar when retries make more receives than the queue held', () => {
    // Act
    const bar = formatReplayBar(progress(), 20, 1_000, 10);
    // Assess
    expect(bar.startsWith('[##########] 20/20')).toBe(true);
  });

  it('says what a dry run would do and that it changed nothing', () => {
    // Act
    const summary = formatReplaySummary(
      'queue-empty',
      progress({ dryRun: true, replayed: 0, wouldReplay: 36 }),
      4_000,
    );
    // Assess
    expect(summary.split('\n')[0]).toBe(
      `DLQ replay of ${DLQ} done: the queue stayed empty (dry run: nothing changed)`,
    );
    expect(summary).toContain('would replay 36');
  });

  it('points at what is left for a person', () => {
    // Act
    const summary = formatReplaySummary(
      'stopped',
      progress({ lastError: { type: 'Error', message: 'x', at: '' } }),
      8_000,
    );
    // Assess
    expect(summary).toContain('ended: stopped');
    expect(summary).toContain(
      `2 skipped message(s) are still in the queue for a person: \`ksp dlq peek ${DLQ}\``,
    );
    expect(summary).toContain('last failure: Error: x');
  });
});

describe('orderedReplayProblem', () => {
  const options = (over: Record<string, unknown> = {}) =>
    compileDlqReplayOptions({ queueUrl: DLQ, filters: { partitionKeys: ['k'] }, ...over });
  it('refuses a partition-key replay while a message is delayed or in flight, naming both counts', () => {
    expect(orderedReplayProblem(options(), { delayed: 2, inFlight: 1 })).toContain(
      `--partition-key k: ${DLQ} has 2 delayed and 1 in-flight message(s)`,
    );
    expect(orderedReplayProblem(options(), { delayed: 0, inFlight: 3 })).not.toBeNull();
  });
  it('lets it run when every message is visible, and never stands in other replays’ way', () => {
    expect(orderedReplayProblem(options(), { delayed: 0, inFlight: 0 })).toBeNull();
    const busy = { delayed: 5, inFlight: 5 };
    expect(orderedReplayProblem(options({ filters: {} }), busy)).toBeNull();
    expect(orderedReplayProblem(options({ dryRun: true }), busy)).toBeNull();
    expect(orderedReplayProblem(options({ mode: 'reput', targetStream: 'orders-2' }), busy)).toBeNull();
  });
});
