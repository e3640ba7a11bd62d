/**
 * A Temporal client from a TemporalConnectionConfig (see `config/temporal-config.ts`: the SDK's
 * envconfig profile, environment and flags). No worker runtime is loaded: the library entry uses it.
 */
import { Client, Connection } from '@temporalio/client';
import type { TemporalConnectionConfig } from '../config/temporal-config';

/** What client and worker connections share: address, TLS (mTLS, CA, server name), API key, gRPC metadata. */
export function connectionOptions(config: TemporalConnectionConfig) {
  return {
    address: config.address,
    tls: config.tls,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    ...(config.metadata ? { metadata: config.metadata } : {}),
  };
}

export async function connectClient(
  config: TemporalConnectionConfig,
): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: '5s' });
  const client = new Client({ connection, namespace: config.namespace });
  return { client, close: () => connection.close() };
}

/**
 * "Temporal is not there", in one line with the address: the native connection's raw
 * `tonic::transport::Error(…)` tells a user nothing they can act on.
 */
export function temporalUnreachable(config: TemporalConnectionConfig, err: unknown): Error {
  const raw = err instanceof Error ? err.message : String(err);
  const reason = /message: "([^"]+)"/.exec(raw)?.[1] ?? raw.split('\n')[0];
  const error = new Error(
    `cannot reach Temporal at ${config.address} (namespace ${config.namespace}): ${reason}. Start it (\`npm start\` runs a local one) or pass --address / set TEMPORAL_ADDRESS.`,
  );
  error.name = 'TemporalUnreachable';
  return error;
}
