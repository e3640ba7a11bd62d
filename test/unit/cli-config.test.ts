/**
 * `--config` files and the option bounds under random input: every documented option is accepted
 * with its default value, and no input — typed or from a file — throws anything but the documented
 * errors (fast-check, issue 15 item 6 for the parts this CLI owns).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { AUTOSCALE_DEFAULTS, compileAutoscaleOptions } from '../../src/config/autoscale-options';
import { REPLAY_DEFAULTS, compileDlqReplayOptions } from '../../src/config/replay-options';
import { DEFAULTS, compileStreamOptions } from '../../src/config/stream-options';
import { autoscaleOptionsFromFlags } from '../../src/cli/commands/autoscale';
import { replayOptionsFromFlags } from '../../src/cli/commands/dlq-flags';
import { optionsFromFlags } from '../../src/cli/commands/stream';
import { AUTOSCALE_CONFIG, REPLAY_CONFIG, STREAM_CONFIG, readConfigFile } from '../../src/cli/config-file';
import { UsageError, intFlag } from '../../src/cli/usage';
import { readInt } from '../../src/config/env';
import { ConfigError } from '../../src/errors';

const dir = mkdtempSync(path.join(tmpdir(), 'ksp-cli-config-'));
const DLQ = 'http://127.0.0.1:9/000000000000/orders-dlq';
let files = 0;
function file(json: unknown): string {
  const name = path.join(dir, `config-${++files}.json`);
  writeFileSync(name, JSON.stringify(json));
  return name;
}

describe('a config file with every documented option at its default is accepted', () => {
  it('ksp start', () => {
    const config = file({ ...DEFAULTS, streamName: 'ignored', dlqQueueUrl: DLQ });
    const { options, origin } = optionsFromFlags(['orders', '--config', config]);
    expect(origin.config?.path).toBe(config);
    expect(compileStreamOptions(options)).toMatchObject({ streamName: 'orders', dlqQueueUrl: DLQ });
  });

  it('ksp start: -1 for maximumRecordAge ("never", as in Lambda) and 0 need no unit', () => {
    const config = file({ dlqQueueUrl: DLQ, maximumRecordAge: -1, maxBatchingWindow: 0 });
    const { options } = optionsFromFlags(['orders', '--config', config]);
    expect(compileStreamOptions(options)).toMatchObject({ maximumRecordAgeMs: null, maxBatchingWindowMs: 0 });
  });

  it('ksp dlq replay', () => {
    const config = file({
      ...REPLAY_DEFAULTS,
      targetStream: null,
      filters: { errorTypes: ['E'], streamNames: ['s'], shardIds: ['x'], partitionKeys: ['k'] },
      ratePerSecond: null,
      maxMessages: null,
      dryRun: false,
      parkingQueueUrl: null,
      parkUnreadable: false,
    });
    const read = (p: string): unknown => readConfigFile(p, REPLAY_CONFIG);
    const { options } = replayOptionsFromFlags([DLQ, '--config', config], read);
    expect(compileDlqReplayOptions(options)).toMatchObject({ queueUrl: DLQ });
  });

  it('ksp autoscale', () => {
    const config = file({ ...AUTOSCALE_DEFAULTS, maxShards: 8 });
    const { options } = autoscaleOptionsFromFlags(['orders', '--config', config]);
    expect(compileAutoscaleOptions(options)).toMatchObject({ streamName: 'orders', maxShards: 8 });
  });
});

describe('random input', () => {
  it('an integer flag is either its decimal digits in range or a ConfigError naming the flag', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String)), (text) => {
        let n: number | undefined;
        try {
          n = intFlag('batch-size', text, 1, 10_000);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).field).toBe('--batch-size');
          return;
        }
        expect(text).toMatch(/^-?\d+$/);
        expect(n).toBe(Number(text));
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(10_000);
      }),
      { numRuns: 2_000 },
    );
  });

  it('maxPollWait from any JSON value compiles within 1s–1h or is a ConfigError naming it', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.string(),
          fc.nat().map((n) => `${n}s`),
        ),
        (maxPollWait) => {
          try {
            const ms = compileStreamOptions({
              streamName: 'orders',
              dlqQueueUrl: DLQ,
              maxPollWait,
            } as never).maxPollWaitMs;
            expect(ms).toBeGreaterThanOrEqual(1_000);
            expect(ms).toBeLessThanOrEqual(3_600_000);
          } catch (err) {
            expect(err).toBeInstanceOf(ConfigError);
            expect((err as ConfigError).field).toBe('maxPollWait');
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('any JSON object as a config file is accepted or refused with a ConfigError or UsageError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const config = file(value);
        for (const schema of [STREAM_CONFIG, REPLAY_CONFIG, AUTOSCALE_CONFIG]) {
          try {
            readConfigFile(config, schema);
          } catch (err) {
            expect(err instanceof ConfigError || err instanceof UsageError).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('integers in the environment are decimal too', () => {
  it.each(['1e3', '0x10', '1.0', ' 10x'])('KSP_MAX_CONCURRENT_ACTIVITIES=%p is refused', (value) => {
    expect(() =>
      readInt({ KSP_MAX_CONCURRENT_ACTIVITIES: value }, 'KSP_MAX_CONCURRENT_ACTIVITIES', 200, 1, 10_000),
    ).toThrow(
      `KSP_MAX_CONCURRENT_ACTIVITIES: ${JSON.stringify(value.trim())} is invalid: use a whole number from 1 to 10000`,
    );
  });

  it('digits are read, blanks mean the default', () => {
    expect(readInt({ N: '50' }, 'N', 200, 1, 10_000)).toBe(50);
    expect(readInt({ N: ' ' }, 'N', 200, 1, 10_000)).toBe(200);
  });
});
