/**
 * A second Temporal namespace on the dev server, with the default namespace's search attributes:
 * room for a second ksp application on the same stream (workflow IDs are `ksp:<stream>` per namespace).
 */
import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { waitFor } from './wait';

export async function createNamespace(client: Client, name: string): Promise<void> {
  const { workflowService, operatorService } = client.connection;
  await workflowService
    .registerNamespace({ namespace: name, workflowExecutionRetentionPeriod: msToTs('1d') })
    .catch((e: unknown) => {
      if (!/already/i.test(String(e))) throw e;
    });
  const attrs = await operatorService.listSearchAttributes({ namespace: 'default' });
  // The new namespace reaches the server's cache within a few seconds.
  await waitFor(
    async () =>
      operatorService
        .addSearchAttributes({ namespace: name, searchAttributes: attrs.customAttributes ?? {} })
        .then(() => true)
        .catch(() => false),
    { timeoutMs: 20_000, what: `search attributes in namespace ${name}` },
  );
}
