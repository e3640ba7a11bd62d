/**
 * KSP_MAX_CACHED_WORKFLOWS (src/workers/workflow-cache.ts): the worker's workflow cache is read
 * once from the environment, and a value the SDK would silently change or refuse is refused with
 * the variable's name and the values it takes.
 */
import { readMaxCachedWorkflows } from '../../src/workers/workflow-cache';
import { readWorkerProcessConfig } from '../../src/workers/main';

const RANGE = 'use 0 (no cache, every workflow task replays its history) or a whole number from 2 to 100000';

describe('KSP_MAX_CACHED_WORKFLOWS', () => {
  it('leaves the SDK default (undefined) when unset or blank', () => {
    expect(readMaxCachedWorkflows({})).toBeUndefined();
    expect(readMaxCachedWorkflows({ KSP_MAX_CACHED_WORKFLOWS: ' ' })).toBeUndefined();
  });

  it.each([
    ['0', 0],
    ['2', 2],
    ['1100', 1_100],
    ['100000', 100_000],
  ])('%p is read as %p', (value, expected) => {
    expect(readMaxCachedWorkflows({ KSP_MAX_CACHED_WORKFLOWS: value })).toBe(expected);
  });

  it('1 is refused (the SDK would make it 2 with a warning)', () => {
    expect(() => readMaxCachedWorkflows({ KSP_MAX_CACHED_WORKFLOWS: '1' })).toThrow(
      `KSP_MAX_CACHED_WORKFLOWS: "1" is invalid: ${RANGE}`,
    );
  });

  it.each(['-1', '100001', '1e3', '2.5', 'many'])('%p is refused, naming the variable', (value) => {
    expect(() => readMaxCachedWorkflows({ KSP_MAX_CACHED_WORKFLOWS: value })).toThrow(
      `KSP_MAX_CACHED_WORKFLOWS: ${JSON.stringify(value)} is invalid: use a whole number from 0 to 100000`,
    );
  });

  it('reaches the worker process config', () => {
    const config = readWorkerProcessConfig({ KSP_HANDLER: './h.js', KSP_MAX_CACHED_WORKFLOWS: '250' });
    expect(config.maxCachedWorkflows).toBe(250);
  });
});
