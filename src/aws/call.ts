/**
 * Bounds on one AWS call made by an activity: it is aborted when the activity attempt is
 * (cancelled, timed out, its worker shutting down), and given up after a deadline that covers the
 * SDK's own retries, so a stalled endpoint fails the call well within the heartbeat timeout
 * instead of hanging until Temporal abandons the attempt while the request goes on.
 */
import { type AwsErrorContext, classifyAwsError } from './classify';

/** How a call is bounded; every field optional (an unbounded call is the SDK's default). */
export interface CallBounds {
  /** Abort the call when this aborts; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Give up after this long, SDK retries included; rejects with a `TimeoutError`. */
  timeoutMs?: number;
}

/** The options every SDK v3 `client.send(command, options)` takes. */
export interface SendOptions {
  abortSignal: AbortSignal;
}

/** Longest an activity's AWS call may take when its activity has no heartbeat timeout. */
export const DEFAULT_CALL_TIMEOUT_MS = 20_000;

/**
 * The deadline of an AWS call in an activity with this heartbeat timeout: half of it, so a call
 * that gets no answer fails (and says why) before Temporal times the attempt out.
 */
export function callTimeoutMs(heartbeatTimeoutMs: number | undefined): number {
  if (heartbeatTimeoutMs === undefined || heartbeatTimeoutMs <= 0) return DEFAULT_CALL_TIMEOUT_MS;
  return Math.max(250, Math.min(DEFAULT_CALL_TIMEOUT_MS, Math.floor(heartbeatTimeoutMs / 2)));
}

/** Errors thrown because the bounding signal aborted a call: never to be classified as AWS failures. */
const abortedCalls = new WeakSet<object>();

/**
 * Whether `err` is what {@link boundedCall} threw because its `signal` aborted (the activity's
 * cancellation): rethrow it as it is, or a cancelled attempt would end as a failure.
 */
export function isAbortedCall(err: unknown): err is Error {
  return typeof err === 'object' && err !== null && abortedCalls.has(err);
}

/** The reason a signal was aborted with, as an Error to throw. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error(typeof reason === 'string' ? reason : 'aborted'), { name: 'AbortError' });
}

/** Throws the signal's reason when it is aborted: call before every side effect of an activity. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason = abortReason(signal);
    abortedCalls.add(reason);
    throw reason;
  }
}

/**
 * Runs `call` with an abort signal of its own, aborted with `bounds.signal` or at the deadline.
 * Rejects with the bounding signal's reason when that aborted it (a cancelled attempt ends as the
 * activity's cancellation, not as an AWS failure), with a `TimeoutError` (code ETIMEDOUT, which
 * src/aws/classify.ts reads as AwsUnavailable) at the deadline, else as the call did. The
 * listener and timer are removed when the call settles.
 */
export async function boundedCall<T>(
  bounds: CallBounds,
  call: (options: SendOptions) => Promise<T>,
): Promise<T> {
  const parent = bounds.signal;
  throwIfAborted(parent);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer =
    bounds.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, bounds.timeoutMs);
  try {
    return await call({ abortSignal: controller.signal });
  } catch (err) {
    if (parent?.aborted) {
      const reason = abortReason(parent);
      abortedCalls.add(reason);
      throw reason;
    }
    if (timedOut) {
      throw Object.assign(new Error(`no answer within ${bounds.timeoutMs} ms`), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
        cause: err,
      });
    }
    throw err;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    parent?.removeEventListener('abort', onAbort);
  }
}

/**
 * {@link boundedCall}, then any failure classified once (src/aws/classify.ts), except the bounding
 * signal's own reason, which is rethrown as it is.
 */
export async function classifiedCall<T>(
  bounds: CallBounds,
  context: AwsErrorContext,
  call: (options: SendOptions) => Promise<T>,
): Promise<T> {
  try {
    return await boundedCall(bounds, call);
  } catch (err) {
    if (isAbortedCall(err)) throw err;
    throw classifyAwsError(err, context);
  }
}
