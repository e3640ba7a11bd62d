/**
 * Bad input on the command line (issue 10 item 3, issue 15 finding 6): each case is refused with
 * its exact message — naming the flag the user typed, or the config file and field — once
 * prefixed, and with the documented exit code (2 usage, 1 failed).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getFreePort } from '../../src/local/ports';
import { ksp } from '../helpers/cli';

const DLQ = 'http://127.0.0.1:9/000000000000/orders-dlq';
const dir = mkdtempSync(path.join(tmpdir(), 'ksp-cli-errors-'));
/** A config file holding `json`; returns its path. */
function config(name: string, json: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(json));
  return file;
}
const COSTLY = '(each poll cycle writes workflow history: a shorter one makes an idle shard costly)';

describe('usage errors: exit code 2, one prefix, the flag the user typed', () => {
  const typo = config('typo.json', { batchSze: 10, dlqQueueUrl: DLQ });
  const nested = config('nested.json', { retry: { maximumAtempts: 1 }, dlqQueueUrl: DLQ });
  const bare = config('bare.json', { maxPollWait: 10, dlqQueueUrl: DLQ });
  const zero = config('zero.json', { maxPollWait: '0s', dlqQueueUrl: DLQ });
  const attempts = config('attempts.json', { retry: { maximumAttempts: 5 } });
  const autoscaleTypo = config('autoscale.json', { maxShard: 4 });
  const replayTypo = config('replay.json', { filters: { errorType: ['X'] } });

  it.each<[string, string[], string]>([
    [
      'a duration without a unit',
      ['start', 's', '--poll-wait', '10'],
      'ksp start: --poll-wait: "10" has no unit: use a unit, e.g. 10s or 10ms (units: ms, s, m, h, d)',
    ],
    [
      'a poll wait of 0',
      ['start', 's', '--dlq', DLQ, '--poll-wait', '0s'],
      `ksp start: --poll-wait: 0ms is out of range: use 1s to 1h ${COSTLY}`,
    ],
    [
      'an exponent',
      ['start', 's', '--batch-size', '1e3'],
      'ksp start: --batch-size: "1e3" is not in decimal digits: write 1000',
    ],
    [
      'hexadecimal',
      ['start', 's', '--batch-size', '0x10'],
      'ksp start: --batch-size: "0x10" is not in decimal digits: write 16',
    ],
    [
      'a fraction',
      ['start', 's', '--batch-size', '1.5'],
      'ksp start: --batch-size: "1.5" is invalid: use a whole number from 1 to 10000',
    ],
    [
      'a leading space',
      ['start', 's', '--batch-size', ' 10'],
      'ksp start: --batch-size: " 10" is not in decimal digits: write 10',
    ],
    [
      'a batch size of 0',
      ['start', 's', '--batch-size', '0'],
      'ksp start: --batch-size: "0" is invalid: use a whole number from 1 to 10000',
    ],
    [
      'an unknown flag',
      ['start', 's', '--bacth-size', '5'],
      'ksp start: unknown option --bacth-size: did you mean --batch-size? See `ksp start --help`.',
    ],
    [
      'an unknown flag, nothing close',
      ['start', 's', '--colour'],
      'ksp start: unknown option --colour. See `ksp start --help`.',
    ],
    [
      'a flag without its value',
      ['start', 's', '--dlq'],
      'ksp start: --dlq needs a value. See `ksp start --help`.',
    ],
    [
      'a flag that takes no value',
      ['start', 's', '--bisect=yes'],
      'ksp start: --bisect takes no value. See `ksp start --help`.',
    ],
    [
      'a second stream',
      ['start', 's', 't'],
      'ksp start: unexpected argument t. Usage: ksp start <stream> [options]',
    ],
    [
      'no DLQ, in flags',
      ['start', 's'],
      'ksp start: --dlq: is missing while --max-attempts is 3: records that exhaust their retries would be lost. Set --dlq, or set --max-attempts to 0 to retry forever',
    ],
    [
      'a future start position',
      ['start', 's', '--dlq', DLQ, '--start-position', 'AT_TIMESTAMP=2999-01-01T00:00:00Z'],
      'ksp start: --start-position: 2999-01-01T00:00:00.000Z is in the future: Kinesis rejects it',
    ],
    [
      'a typo in a config file',
      ['start', 's', '--config', typo],
      `ksp start: --config ${typo}: batchSze: is not a stream option: did you mean batchSize?`,
    ],
    [
      'a typo in a nested config key',
      ['start', 's', '--config', nested],
      `ksp start: --config ${nested}: retry.maximumAtempts: is not a retry option: did you mean retry.maximumAttempts?`,
    ],
    [
      'a bare number as a duration in a config file',
      ['start', 's', '--config', bare],
      `ksp start: --config ${bare}: maxPollWait: 10 is a bare number: in a config file a duration is a string with a unit, e.g. "10s" or "10ms"`,
    ],
    [
      'a bad value from the config file',
      ['start', 's', '--config', zero],
      `ksp start: --config ${zero}: maxPollWait: 0ms is out of range: use 1s to 1h ${COSTLY}`,
    ],
    [
      'a flag overriding the config file',
      ['start', 's', '--config', zero, '--poll-wait', '500ms'],
      `ksp start: --poll-wait: 500ms is out of range: use 1s to 1h ${COSTLY}`,
    ],
    [
      'the file named where it set a field',
      ['start', 's', '--config', attempts],
      'ksp start: --dlq: is missing while retry.maximumAttempts is 5: records that exhaust their retries would be lost. Set --dlq, or set retry.maximumAttempts to 0 to retry forever',
    ],
    [
      'an unreadable config file',
      ['start', 's', '--config', path.join(dir, 'none.json')],
      `ksp start: --config: cannot read ${path.join(dir, 'none.json')}: ENOENT: no such file or directory, open '${path.join(dir, 'none.json')}'`,
    ],
    [
      'an autoscale config typo',
      ['autoscale', 's', '--config', autoscaleTypo],
      `ksp autoscale: --config ${autoscaleTypo}: maxShard: is not an autoscale option: did you mean maxShards?`,
    ],
    [
      'a replay filter typo',
      ['dlq', 'replay', DLQ, '--config', replayTypo],
      `ksp dlq: --config ${replayTypo}: filters.errorType: is not a replay filter: did you mean filters.errorTypes?`,
    ],
    [
      'a replay grace without a unit',
      ['dlq', 'replay', DLQ, '--grace', '20'],
      'ksp dlq: --grace: "20" has no unit: use a unit, e.g. 20s or 20ms (units: ms, s, m, h, d)',
    ],
    [
      'an autoscale window without a unit',
      ['autoscale', 's', '--max', '4', '--cooldown', '300'],
      'ksp autoscale: --cooldown: "300" has no unit: use a unit, e.g. 300s or 300ms (units: ms, s, m, h, d)',
    ],
    [
      'an autoscale fraction in hex',
      ['autoscale', 's', '--max', '4', '--up', '0x1'],
      'ksp autoscale: --up: "0x1" is not a number: use a fraction such as 0.75',
    ],
    [
      'a produce duration without a unit',
      ['produce', 's', '--duration', '30'],
      'ksp produce: --duration: "30" has no unit: use a unit, e.g. 30s or 30ms (units: ms, s, m, h, d)',
    ],
    [
      'a produce count with an exponent',
      ['produce', 's', '--count', '1e6'],
      'ksp produce: --count: "1e6" is not in decimal digits: write 1000000',
    ],
    [
      'an unknown command',
      ['strat', 's'],
      'ksp: unknown command "strat": did you mean start? See `ksp --help`.',
    ],
    [
      'an unknown dlq subcommand',
      ['dlq', 'pek', DLQ],
      'ksp dlq: unknown subcommand "pek" (did you mean peek?): use peek, replay, status or stop. See `ksp dlq --help`.',
    ],
    [
      'a flag given to the worker',
      ['worker', '--handler', 'x.js'],
      'ksp worker: unknown option --handler. See `ksp worker --help`.',
    ],
  ])('%s', async (_what, argv, message) => {
    // Act
    const run = await ksp(argv, { AWS_REGION: 'us-east-1' });
    // Assess
    expect(run).toEqual({ code: 2, stdout: '', stderr: message });
  });
});

describe('failures: exit code 1, naming the address in use', () => {
  it('Kinesis unreachable', async () => {
    // Prepare
    const closed = await getFreePort();
    // Act
    const run = await ksp(['start', 's', '--dlq', DLQ], {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_KINESIS: `http://127.0.0.1:${closed}`,
    });
    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^ksp start: cannot reach Kinesis at http://127\\.0\\.0\\.1:${closed} \\(.*ECONNREFUSED 127\\.0\\.0\\.1:${closed}\\): start it, or fix AWS_ENDPOINT_URL_KINESIS / AWS_REGION$`,
      ),
    );
  });

  it('Temporal unreachable', async () => {
    // Prepare
    const closed = await getFreePort();
    // Act
    const run = await ksp(['pause', 's'], { TEMPORAL_ADDRESS: `127.0.0.1:${closed}` });
    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^ksp pause: cannot reach Temporal at 127\\.0\\.0\\.1:${closed} \\(namespace default\\): .+\\. Start it \\(\`npm start\` runs a local one\\) or pass --address / set TEMPORAL_ADDRESS\\.$`,
      ),
    );
  });
});
