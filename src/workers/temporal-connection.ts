/**
 * Temporal connections from a TemporalConnectionConfig (see `config/temporal-config.ts`: the
 * SDK's envconfig profile, environment and flags), for workers (native) and clients.
 */
import { NativeConnection } from '@temporalio/worker';
import { connectionOptions } from '../client/temporal-client';
import type { TemporalConnectionConfig } from '../config/temporal-config';

export { connectClient } from '../client/temporal-client';

export async function connectNative(config: TemporalConnectionConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}
