/** Temporal connections from TemporalConnectionConfig, for workers (native) and clients. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConnectionConfig } from '../config/env';

export async function connectNative(config: TemporalConnectionConfig): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: config.address,
    tls: config.tls,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  });
}

export async function connectClient(
  config: TemporalConnectionConfig,
): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({
    address: config.address,
    tls: config.tls,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    connectTimeout: '5s',
  });
  const client = new Client({ connection, namespace: config.namespace });
  return { client, close: () => connection.close() };
}
