/** Stream identity: recorded on first sight, refused when the stream was recreated, checked before reads. */
import { ApplicationFailure } from '@temporalio/common';
import { IDENTITY_CACHE_MS, IdentityGuard, mayBeRecreated } from '../../src/activities/stream/identity-guard';
import { ErrorType } from '../../src/errors';
import { upgradeStreamInput } from '../../src/workflows/stream-input';
import { type StreamIdentity, identityProblem, sameIdentity } from '../../src/workflows/stream-identity';
import { StreamState } from '../../src/workflows/stream-state';
import { testOptions } from '../helpers/fake-batches';

const ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
const OLD: StreamIdentity = { arn: ARN, createdAt: '2026-11-01T00:00:00.000Z' };
const NEW: StreamIdentity = { arn: ARN, createdAt: '2026-12-01T00:00:00.000Z' };

test('identities compare as instants; nothing recorded or nothing seen is no problem', () => {
  expect(sameIdentity(OLD, { arn: ARN, createdAt: '2026-11-01T00:00:00Z' })).toBe(true);
  expect(identityProblem('orders', null, NEW)).toBeNull();
  expect(identityProblem('orders', OLD, null)).toBeNull();
  expect(identityProblem('orders', OLD, NEW)).toMatch(
    /^stream orders was deleted and recreated: .* `ksp start --reset orders`/,
  );
});

test('the stream state adopts the first identity it sees and refuses another one after', () => {
  const state = new StreamState('orders', null);
  expect(state.identity).toBeNull();
  expect(state.checkIdentity(undefined)).toBeNull(); // an activity result from before identities
  expect(state.identity).toBeNull();
  expect(state.checkIdentity(OLD)).toBeNull();
  expect(state.identity).toEqual(OLD);
  expect(state.checkIdentity(OLD)).toBeNull();
  expect(state.checkIdentity(NEW)).toContain('was deleted and recreated');
  expect(state.identity).toEqual(OLD);
  // Carried across continue-as-new
  expect(new StreamState('orders', state.snapshot()).identity).toEqual(OLD);
});

test('state stored without an identity (older runs) upgrades to none; a malformed one is dropped', () => {
  const state = new StreamState('orders', null).snapshot();
  const stored = { options: testOptions(), state };
  expect(upgradeStreamInput(stored).state?.identity).toBeUndefined();
  const bad = { options: testOptions(), state: { ...state, identity: { arn: 7 } } } as never;
  expect(upgradeStreamInput(bad).state?.identity).toBeUndefined();
  const good = { options: testOptions(), state: { ...state, identity: OLD } };
  expect(upgradeStreamInput(good).state?.identity).toEqual(OLD);
});

test('the batch guard checks the stream before reading, cached, and uncached after a suspicious failure', async () => {
  let now = 0;
  let current: StreamIdentity | null = OLD;
  let describes = 0;
  const guard = new IdentityGuard({
    describe: async () => {
      describes++;
      return current;
    },
    now: () => now,
  });
  await guard.check('orders', undefined); // nothing recorded: no call
  expect(describes).toBe(0);
  await guard.check('orders', OLD);
  await guard.check('orders', OLD);
  expect(describes).toBe(1);
  current = NEW;
  await guard.check('orders', OLD); // still cached
  const refused = await guard.check('orders', OLD, true).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ApplicationFailure);
  expect((refused as ApplicationFailure).type).toBe(ErrorType.StreamRecreated);
  expect((refused as ApplicationFailure).nonRetryable).toBe(true);
  now += IDENTITY_CACHE_MS;
  await expect(guard.check('orders', OLD)).rejects.toThrow(/was deleted and recreated/);
  current = null; // deleted, not recreated yet: the read's own StreamNotFound says so
  await guard.check('orders', OLD, true);
  expect(mayBeRecreated(ApplicationFailure.nonRetryable('x', ErrorType.StreamNotFound))).toBe(true);
  expect(mayBeRecreated(ApplicationFailure.nonRetryable('x', ErrorType.AwsBadRequest))).toBe(true);
  expect(mayBeRecreated(ApplicationFailure.retryable('x', ErrorType.AwsThrottled))).toBe(false);
});

test('checks that start together share one describe; a fresh check does not join it', async () => {
  const answers: Array<(identity: StreamIdentity | null) => void> = [];
  const guard = new IdentityGuard({
    describe: () => new Promise<StreamIdentity | null>((resolve) => answers.push(resolve)),
    now: () => 0,
  });
  const together = [guard.check('orders', OLD), guard.check('orders', OLD), guard.check('orders', OLD)];
  expect(answers).toHaveLength(1);
  answers[0]?.(OLD);
  await Promise.all(together);
  await guard.check('orders', OLD); // cached
  expect(answers).toHaveLength(1);
  const fresh = [guard.check('orders', OLD, true), guard.check('orders', OLD, true)];
  expect(answers).toHaveLength(3);
  for (const answer of answers.slice(1)) answer(NEW);
  for (const check of fresh) await expect(check).rejects.toThrow(/was deleted and recreated/);
});

test('a describe that fails is not shared by later checks', async () => {
  let describes = 0;
  const guard = new IdentityGuard({
    describe: async () => {
      if (describes++ === 0) throw new Error('throttled');
      return OLD;
    },
    now: () => 0,
  });
  await expect(Promise.all([guard.check('orders', OLD), guard.check('orders', OLD)])).rejects.toThrow(
    'throttled',
  );
  expect(describes).toBe(1);
  await guard.check('orders', OLD);
  expect(describes).toBe(2);
});
