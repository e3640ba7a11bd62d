/**
 * Temporal connection settings through @temporalio/envconfig: a temporal.toml profile with mTLS
 * file paths, environment overrides, the CLI's flags over both, and the errors for what is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTemporalConfig } from '../../src/config/env';
import { takeTemporalFlags } from '../../src/cli/context';
import { ConfigError } from '../../src/errors';

let dir: string;
let toml: string;
const pem = (what: string) =>
  `-----BEGIN ${what}-----\nMIIB${what.replace(/ /g, '')}\n-----END ${what}-----\n`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksp-envconfig-'));
  for (const [file, what] of [
    ['client.pem', 'CERTIFICATE'],
    ['client.key', 'PRIVATE KEY'],
    ['ca.pem', 'CERTIFICATE'],
  ] as const) {
    fs.writeFileSync(path.join(dir, file), pem(what));
  }
  toml = path.join(dir, 'temporal.toml');
  fs.writeFileSync(
    toml,
    `[profile.default]
address = "127.0.0.1:7233"

[profile.prod]
address = "prod.example.internal:7233"
namespace = "orders"

[profile.prod.tls]
client_cert_path = "${path.join(dir, 'client.pem')}"
client_key_path = "${path.join(dir, 'client.key')}"
server_ca_cert_path = "${path.join(dir, 'ca.pem')}"
server_name = "temporal.example.internal"

[profile.prod.grpc_meta]
x-tenant = "acme"

[profile.cloud]
address = "orders.a1b2c.tmprl.cloud:7233"
namespace = "orders.a1b2c"
api_key = "key-from-profile"

[profile.broken]
address = "prod.example.internal:7233"

[profile.broken.tls]
client_cert_path = "${path.join(dir, 'missing.pem')}"
client_key_path = "${path.join(dir, 'client.key')}"
`,
  );
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An environment with only the config file (no HOME: the default file location is never read). */
const env = (vars: Record<string, string> = {}) => ({ TEMPORAL_CONFIG_FILE: toml, ...vars });

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('readTemporalConfig', () => {
  test('no file and no variables: the local dev server, plain text', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ksp-home-'));
    expect(readTemporalConfig({ HOME: home })).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'kinesis-stream-processor',
      tls: false,
    });
    fs.rmSync(home, { recursive: true });
  });

  test('the default temporal.toml under XDG_CONFIG_HOME is read', () => {
    const xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'ksp-xdg-'));
    fs.mkdirSync(path.join(xdg, 'temporalio'));
    fs.copyFileSync(toml, path.join(xdg, 'temporalio', 'temporal.toml'));
    expect(readTemporalConfig({ XDG_CONFIG_HOME: xdg, TEMPORAL_PROFILE: 'cloud' }).address).toBe(
      'orders.a1b2c.tmprl.cloud:7233',
    );
    fs.rmSync(xdg, { recursive: true });
  });

  test('a profile with mTLS file paths, server name and gRPC metadata (TEMPORAL_PROFILE)', () => {
    const config = readTemporalConfig(env({ TEMPORAL_PROFILE: 'prod', KSP_TASK_QUEUE: 'ksp-orders' }));
    expect(config).toMatchObject({
      address: 'prod.example.internal:7233',
      namespace: 'orders',
      taskQueue: 'ksp-orders',
      metadata: { 'x-tenant': 'acme' },
    });
    expect(config.tls).toMatchObject({ serverNameOverride: 'temporal.example.internal' });
    const tls = config.tls as Exclude<typeof config.tls, boolean>;
    expect(Buffer.from(tls.clientCertPair?.crt ?? []).toString()).toBe(pem('CERTIFICATE'));
    expect(Buffer.from(tls.clientCertPair?.key ?? []).toString()).toBe(pem('PRIVATE KEY'));
    expect(Buffer.from(tls.serverRootCACertificate ?? []).toString()).toBe(pem('CERTIFICATE'));
  });

  test('environment variables override the profile; the flags override both', () => {
    const vars = env({
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_ADDRESS: 'other.example.internal:7233',
      TEMPORAL_NAMESPACE: 'payments',
      TEMPORAL_TLS_SERVER_NAME: 'other.example.internal',
      TEMPORAL_GRPC_META_X_TENANT: 'globex',
    });
    const fromEnv = readTemporalConfig(vars);
    expect(fromEnv).toMatchObject({
      address: 'other.example.internal:7233',
      namespace: 'payments',
      metadata: { 'x-tenant': 'globex' },
      tls: { serverNameOverride: 'other.example.internal' },
    });
    const fromFlags = readTemporalConfig(vars, {
      profile: 'cloud',
      address: 'flag.example:7000',
      namespace: 'n1',
    });
    expect(fromFlags).toMatchObject({
      address: 'flag.example:7000',
      namespace: 'n1',
      apiKey: 'key-from-profile',
    });
  });

  test('an API key implies TLS unless TEMPORAL_TLS turns it off', () => {
    expect(readTemporalConfig(env({ TEMPORAL_PROFILE: 'cloud' })).tls).toBe(true);
    expect(readTemporalConfig(env({ TEMPORAL_API_KEY: 'k' })).tls).toBe(true);
    expect(readTemporalConfig(env({ TEMPORAL_PROFILE: 'cloud', TEMPORAL_TLS: 'false' })).tls).toBe(false);
    expect(readTemporalConfig(env({ TEMPORAL_TLS: 'yes' })).tls).toEqual(expect.objectContaining({}));
    expect(configError(() => readTemporalConfig(env({ TEMPORAL_TLS: 'maybe' }))).message).toBe(
      'TEMPORAL_TLS: "maybe" is not a boolean: use true or false',
    );
  });

  test('TEMPORAL_ADDRESS=localhost is accepted with the default port, as the SDK does', () => {
    expect(readTemporalConfig(env({ TEMPORAL_ADDRESS: 'localhost' })).address).toBe('localhost:7233');
    expect(readTemporalConfig(env({ TEMPORAL_ADDRESS: '[::1]:7234' })).address).toBe('[::1]:7234');
    expect(configError(() => readTemporalConfig(env({ TEMPORAL_ADDRESS: 'http://x:7233' }))).message).toBe(
      'TEMPORAL_ADDRESS: "http://x:7233" is not host[:port], e.g. 127.0.0.1:7233 or my-ns.a1b2c.tmprl.cloud:7233',
    );
    expect(configError(() => readTemporalConfig(env(), { address: 'host:port' })).field).toBe('--address');
  });

  test('a missing profile names the file and lists the profiles it has', () => {
    expect(configError(() => readTemporalConfig(env({ TEMPORAL_PROFILE: 'staging' }))).message).toBe(
      `TEMPORAL_PROFILE: profile "staging" is not in ${toml}: its profiles are default, prod, cloud, broken` +
        ' (create one with `temporal config set --profile <name> --prop address --value <host:port>`)',
    );
    expect(configError(() => readTemporalConfig(env(), { profile: 'staging' })).field).toBe('--profile');
  });

  test('a missing certificate file names the file and where it was configured', () => {
    expect(configError(() => readTemporalConfig(env({ TEMPORAL_PROFILE: 'broken' }))).message).toBe(
      `tls.client_cert_path (temporal.toml profile): certificate file ${path.join(dir, 'missing.pem')} does not exist`,
    );
    const missingKey = path.join(dir, 'nope.key');
    expect(
      configError(() =>
        readTemporalConfig(
          env({
            TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
            TEMPORAL_TLS_CLIENT_KEY_PATH: missingKey,
          }),
        ),
      ).message,
    ).toBe(`TEMPORAL_TLS_CLIENT_KEY_PATH: certificate file ${missingKey} does not exist`);
  });

  test('a client certificate without its key is refused', () => {
    expect(
      configError(() =>
        readTemporalConfig(env({ TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem') })),
      ).message,
    ).toBe(
      'TEMPORAL_TLS_CLIENT_KEY_PATH: is not set, but a client cert is: mTLS needs both (tls.client_key_path in the profile, or the variable)',
    );
  });

  test('TEMPORAL_CONFIG_FILE naming a file that does not exist is refused', () => {
    const missing = path.join(dir, 'nope.toml');
    expect(configError(() => readTemporalConfig({ TEMPORAL_CONFIG_FILE: missing })).message).toMatch(
      new RegExp(`^TEMPORAL_CONFIG_FILE: ${missing} does not exist: point it at your temporal.toml`),
    );
  });

  test('a temporal.toml that is not TOML names the file', () => {
    const bad = path.join(dir, 'bad.toml');
    fs.writeFileSync(bad, '[profile.default\naddress = 1');
    expect(configError(() => readTemporalConfig({ TEMPORAL_CONFIG_FILE: bad })).message).toMatch(
      new RegExp(`^TEMPORAL_CONFIG_FILE: ${bad} cannot be read: `),
    );
  });
});

describe('takeTemporalFlags', () => {
  test('takes --profile, --address, --namespace in both spellings and leaves the rest', () => {
    expect(
      takeTemporalFlags([
        'orders',
        '--profile',
        'prod',
        '--batch-size',
        '10',
        '--address=h:1',
        '--namespace',
        'n',
      ]),
    ).toEqual({
      flags: { profile: 'prod', address: 'h:1', namespace: 'n' },
      rest: ['orders', '--batch-size', '10'],
    });
  });

  test('a flag without a value is a usage error naming it', () => {
    expect(() => takeTemporalFlags(['orders', '--profile'])).toThrow(
      '--profile needs a value, e.g. --profile default',
    );
    expect(() => takeTemporalFlags(['--address', '--json'])).toThrow(
      '--address needs a value, e.g. --address 127.0.0.1:7233',
    );
  });
});
