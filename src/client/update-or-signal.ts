/**
 * Sends a control as an Update, which answers with the state it leaves and is validated, falling
 * back to the signal of the same name for a workflow whose worker predates the Update (it rejects
 * it with "No registered handler"): old runs keep obeying new clients.
 */
import { type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';

/** The Update's answer, or null when only the signal could be sent. */
export async function updateOrSignal<Ret>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, []>,
  signal: SignalDefinition<[]>,
): Promise<Ret | null> {
  try {
    return await handle.executeUpdate(update);
  } catch (err) {
    const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
    if (!cause?.message.startsWith('No registered handler for update')) throw err;
    await handle.signal(signal);
    return null;
  }
}
