/**
 * What a workflow test checks after sending malformed messages by name (DESIGN.md rule 10):
 * the worker logged each dropped signal, and no workflow task failed on the way.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Runtime } from '@temporalio/worker';

export interface LoggedLine {
  level: string;
  message: string;
  meta: Record<string, unknown> | undefined;
}

/** Records what the worker logs (workflow `log.*` included) until `stop()`. */
export function captureWorkerLog(): { lines: LoggedLine[]; stop(): void } {
  const lines: LoggedLine[] = [];
  const logger = Runtime.instance().logger;
  const spy = jest.spyOn(logger, 'log').mockImplementation((level, message, meta) => {
    lines.push({ level, message, meta });
  });
  return { lines, stop: () => spy.mockRestore() };
}

/** The names of the workflow task failures in a run's history (none, when every message was handled). */
export async function failedWorkflowTasks(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  const failed = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED;
  return (history.events ?? [])
    .filter((e) => e.eventType === failed)
    .map((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? 'workflow task failed');
}
