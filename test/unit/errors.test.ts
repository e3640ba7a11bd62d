/**
 * Errors in one place: every `Ksp…` error type written anywhere in src/ is one of `ErrorType`'s,
 * and every error class the project throws carries its type.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  ConfigError,
  EarlierRecordFailedError,
  ErrorType,
  HandlerLoadError,
  InvalidRecordError,
  ProducerClosedError,
  TargetError,
} from '../../src/errors';
import { NO_MEASUREMENT } from '../../src/activities/autoscale/load-sampler';
import { RESHARD_REFUSED } from '../../src/workflows/reshard-messages';

const SRC = path.join(__dirname, '../../src');
/** Names that start with Ksp but are search attributes, not error types. */
const NOT_ERRORS = new Set(['KspStream', 'KspShardId', 'KspState', 'KspQuarantined']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

describe('ErrorType', () => {
  const known = new Set<string>(Object.values(ErrorType));

  it('lists every Ksp… error type literal in src/', () => {
    // Prepare
    const literals = sourceFiles(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/['"`](Ksp[A-Z][A-Za-z]*)['"`]/g)].map((m) => ({
        file: path.relative(SRC, file),
        type: m[1] as string,
      })),
    );
    // Act
    const unknown = literals.filter((l) => !NOT_ERRORS.has(l.type) && !known.has(l.type));
    // Assess
    expect(literals.length).toBeGreaterThan(0);
    expect(unknown).toEqual([]);
  });

  it('has one value per name', () => {
    expect(known.size).toBe(Object.keys(ErrorType).length);
  });

  it('names the constants other modules export', () => {
    expect(RESHARD_REFUSED).toBe(ErrorType.ReshardRefused);
    expect(NO_MEASUREMENT).toBe(ErrorType.NoLoadMeasurement);
  });

  it.each([
    ['ConfigError', new ConfigError('f', 'bad'), ErrorType.Config],
    ['HandlerLoadError', new HandlerLoadError('x'), ErrorType.HandlerLoad],
    ['InvalidRecordError', new InvalidRecordError('data', 'too big'), ErrorType.InvalidRecord],
    ['ProducerClosedError', new ProducerClosedError(), ErrorType.ProducerClosed],
    [
      'EarlierRecordFailedError',
      new EarlierRecordFailedError('k', new Error('x')),
      ErrorType.EarlierRecordFailed,
    ],
    ['TargetError', new TargetError('no such stream'), ErrorType.Target],
  ])('%s carries type %s', (_name, error, type) => {
    expect(error.type).toBe(type);
    expect(error).toBeInstanceOf(Error);
  });
});
