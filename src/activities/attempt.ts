/**
 * The running activity attempt's signals and call bounds, read from the activity context. Two
 * kinds of cancellation differ here:
 * - a cancel request (the workflow pauses or stops): an idle poll ends at once, but a batch in the
 *   handler finishes and writes its DLQ messages, since the workflow waits for its result;
 * - a lost attempt (it timed out, its worker is shutting down, the server no longer knows it):
 *   Temporal retries it elsewhere, so from then on it must write nothing (no DLQ send, no handler
 *   call, no requeue), or the retry and the abandoned attempt would both write.
 * Called outside an activity (a client reusing an activity's parts), the bounds are empty: the
 * client's own request timeout still applies.
 */
import { Context } from '@temporalio/activity';
import { type CallBounds, callTimeoutMs } from '../aws/call';

const lostSignals = new WeakMap<Context, AbortSignal>();

/** Aborted when the current attempt is lost (not by a cancel request); one per attempt. */
export function attemptLostSignal(): AbortSignal {
  const ctx = Context.current();
  const known = lostSignals.get(ctx);
  if (known) return known;
  const controller = new AbortController();
  const onAbort = (): void => {
    if (!ctx.cancellationDetails?.cancelRequested) controller.abort(ctx.cancellationSignal.reason);
  };
  if (ctx.cancellationSignal.aborted) onAbort();
  else ctx.cancellationSignal.addEventListener('abort', onAbort, { once: true });
  lostSignals.set(ctx, controller.signal);
  return controller.signal;
}

/** The running activity's context, or undefined outside an activity. */
function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** For calls that end with any cancellation: reads, control-plane calls, long polls. */
export function cancellableCall(): CallBounds {
  const ctx = currentContext();
  if (!ctx) return {};
  return { signal: ctx.cancellationSignal, timeoutMs: callTimeoutMs(ctx.info.heartbeatTimeoutMs) };
}

/** For writes that a cancel request lets finish but a lost attempt must not make. */
export function attemptCall(): CallBounds {
  const ctx = currentContext();
  if (!ctx) return {};
  return { signal: attemptLostSignal(), timeoutMs: callTimeoutMs(ctx.info.heartbeatTimeoutMs) };
}
