/** `ksp bench` flags: `--activity-lifetime` is compiled and checked with the others, naming the flag. */
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
