/** `ksp bench` flags: `--activity-lifetime` and `--worker-env` are compiled and checked with the others, naming the flag. */
import { BENCH_HELP } from '../../bench/main';
import { compileBenchOptions } from '../../bench/options';
import { expectConfigError } from '../helpers/config-error';

test('--activity-lifetime sets the consuming loop of every stream ksp consumes; absent, ksp defaults', () => {
  expect(compileBenchOptions({}).maxActivityLifetimeMs).toBeNull();
  expect(compileBenchOptions({ activityLifetime: '10m' }).maxActivityLifetimeMs).toBe(600_000);
  expect(compileBenchOptions({ activityLifetime: '0' }).maxActivityLifetimeMs).toBe(0);
  expectConfigError(
    () => compileBenchOptions({ activityLifetime: '5s' }),
    '--activity-lifetime',
    '10s to 1h',
  );
  expectConfigError(() => compileBenchOptions({ activityLifetime: '10' }), '--activity-lifetime', 'no unit');
  expect(BENCH_HELP).toContain('--activity-lifetime');
});

test('--worker-env adds NAME=value pairs to the worker processes; a pair without a name is refused', () => {
  expect(compileBenchOptions({}).workerEnv).toEqual({});
  expect(
    compileBenchOptions({ workerEnv: 'MALLOC_ARENA_MAX=2,NODE_OPTIONS=--max-old-space-size=512' }).workerEnv,
  ).toEqual({ MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-old-space-size=512' });
  expectConfigError(
    () => compileBenchOptions({ workerEnv: 'MALLOC_ARENA_MAX' }),
    '--worker-env',
    'NAME=value',
  );
  expectConfigError(() => compileBenchOptions({ workerEnv: '=2' }), '--worker-env', 'NAME=value');
  expect(BENCH_HELP).toContain('--worker-env');
});
