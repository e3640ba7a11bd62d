/**
 * Temporal connection settings through the SDK's own environment configuration
 * (`@temporalio/envconfig`): a `temporal.toml` profile (`TEMPORAL_CONFIG_FILE`, `TEMPORAL_PROFILE`,
 * default `~/.config/temporalio/temporal.toml`), then `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
 * `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, `TEMPORAL_GRPC_META_*`, then the CLI's `--profile`,
 * `--address`, `--namespace` — the Temporal CLI's order. What envconfig leaves implicit (a missing
 * profile, certificate file or config file, an address it cannot use) becomes a ConfigError that
 * names where the value came from and the fix.
 */
import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { normalizeGrpcEndpointAddress } from '@temporalio/common/lib/internal-non-workflow';
import {
  type ClientConfigProfile,
  type ConfigDataSource,
  loadClientConfig,
  loadClientConfigProfile,
  toClientOptions,
} from '@temporalio/envconfig';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../constants';
import { ConfigError } from '../errors';

export type Env = Readonly<Record<string, string | undefined>>;

export interface TemporalConnectionConfig {
  /** `host:port` (a bare host gets the default port 7233, as in the SDK). */
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  /** `true` for system roots, a TLS config for mTLS / a custom CA / a server name, `false` for plain. */
  tls: boolean | TLSConfig;
  /** gRPC headers sent with every call (`grpc_meta` in the profile, `TEMPORAL_GRPC_META_<NAME>`). */
  metadata?: Record<string, string>;
}

/** The Temporal CLI's connection flags; each wins over the environment and the profile. */
export interface TemporalFlags {
  profile?: string;
  address?: string;
  namespace?: string;
}

const TEMPORAL_PORT = 7233;

/** The variables envconfig reads, with blank values dropped (unset) and TEMPORAL_TLS validated. */
function envconfigVars(env: Env, flags: TemporalFlags): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    // An empty TEMPORAL_GRPC_META_X removes header x from the profile; elsewhere empty means unset.
    if (value.trim() !== '' || name.startsWith('TEMPORAL_GRPC_META_')) vars[name] = value.trim();
  }
  const tls = vars.TEMPORAL_TLS;
  if (tls !== undefined) {
    if (/^(1|true|yes|on)$/i.test(tls)) vars.TEMPORAL_TLS = 'true';
    else if (/^(0|false|no|off)$/i.test(tls)) vars.TEMPORAL_TLS = 'false';
    else throw new ConfigError('TEMPORAL_TLS', `${JSON.stringify(tls)} is not a boolean: use true or false`);
  }
  if (flags.address !== undefined) vars.TEMPORAL_ADDRESS = flags.address;
  if (flags.namespace !== undefined) vars.TEMPORAL_NAMESPACE = flags.namespace;
  return vars;
}

function configFileName(vars: Record<string, string>): string {
  return (
    vars.TEMPORAL_CONFIG_FILE ??
    'the default temporal.toml ($XDG_CONFIG_HOME or ~/.config, /temporalio/temporal.toml)'
  );
}

function loadProfile(vars: Record<string, string>, flags: TemporalFlags): ClientConfigProfile {
  const file = vars.TEMPORAL_CONFIG_FILE;
  if (file !== undefined && !fs.existsSync(file)) {
    throw new ConfigError(
      'TEMPORAL_CONFIG_FILE',
      `${file} does not exist: point it at your temporal.toml, or unset it to use ${configFileName({})}`,
    );
  }
  const profileName = flags.profile ?? vars.TEMPORAL_PROFILE;
  try {
    return loadClientConfigProfile({
      ...(profileName !== undefined ? { profile: profileName } : {}),
      overrideEnvVars: vars,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (profileName !== undefined && /^Profile '.*' not found/.test(message)) {
      const known = Object.keys(loadClientConfig({ overrideEnvVars: vars }).profiles);
      throw new ConfigError(
        flags.profile !== undefined ? '--profile' : 'TEMPORAL_PROFILE',
        `profile ${JSON.stringify(profileName)} is not in ${configFileName(vars)}: ` +
          (known.length > 0 ? `its profiles are ${known.join(', ')}` : 'it defines no profiles') +
          ' (create one with `temporal config set --profile <name> --prop address --value <host:port>`)',
      );
    }
    throw new ConfigError('TEMPORAL_CONFIG_FILE', `${configFileName(vars)} cannot be read: ${message}`);
  }
}

/** Where a TLS file setting came from: its environment variable, else the profile's key. */
function tlsSource(
  vars: Record<string, string>,
  key: 'client_cert' | 'client_key' | 'server_ca_cert',
): string {
  const envName = `TEMPORAL_TLS_${key.toUpperCase()}_PATH`;
  return vars[envName] !== undefined ? envName : `tls.${key}_path (temporal.toml profile)`;
}

function checkTlsFiles(profile: ClientConfigProfile, vars: Record<string, string>): void {
  const tls = profile.tls;
  if (tls === undefined || tls.disabled === true) return;
  const files: [ConfigDataSource | undefined, 'client_cert' | 'client_key' | 'server_ca_cert'][] = [
    [tls.clientCert, 'client_cert'],
    [tls.clientKey, 'client_key'],
    [tls.serverCACert, 'server_ca_cert'],
  ];
  for (const [source, key] of files) {
    if (source !== undefined && 'path' in source && !fs.existsSync(source.path)) {
      throw new ConfigError(tlsSource(vars, key), `certificate file ${source.path} does not exist`);
    }
  }
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    const [has, lacks] = tls.clientCert !== undefined ? ['cert', 'key'] : ['key', 'cert'];
    throw new ConfigError(
      `TEMPORAL_TLS_CLIENT_${lacks.toUpperCase()}_PATH`,
      `is not set, but a client ${has} is: mTLS needs both (tls.client_${lacks}_path in the profile, or the variable)`,
    );
  }
}

function normalizeAddress(address: string, flags: TemporalFlags): string {
  try {
    return normalizeGrpcEndpointAddress(address, TEMPORAL_PORT);
  } catch {
    throw new ConfigError(
      flags.address !== undefined ? '--address' : 'TEMPORAL_ADDRESS',
      `${JSON.stringify(address)} is not host[:port], e.g. 127.0.0.1:7233 or my-ns.a1b2c.tmprl.cloud:7233`,
    );
  }
}

/**
 * Reads the Temporal connection: profile, environment, then flags. `KSP_TASK_QUEUE` picks the task
 * queue (default `kinesis-stream-processor`).
 */
export function readTemporalConfig(env: Env, flags: TemporalFlags = {}): TemporalConnectionConfig {
  const vars = envconfigVars(env, flags);
  const profile = loadProfile(vars, flags);
  checkTlsFiles(profile, vars);
  const { namespace, connectionOptions } = toClientOptions(profile);
  const { apiKey, tls } = connectionOptions;
  const metadata = profile.grpcMeta;
  if (typeof apiKey === 'function') throw new Error('unreachable: envconfig gives the API key as a string');
  return {
    address: normalizeAddress(connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS, flags),
    namespace: namespace || DEFAULT_NAMESPACE,
    taskQueue: vars.KSP_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    ...(apiKey ? { apiKey } : {}),
    tls: tls ?? false,
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}
