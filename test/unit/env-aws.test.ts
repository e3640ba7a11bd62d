/**
 * AWS settings: the SDK's own resolution of region and retries (profiles, AWS_MAX_ATTEMPTS) through
 * ksp's client factory, and the emulator shortcuts for loopback endpoints only.
 *
 * The SDK reads process.env itself (that is the point), so these tests set it and restore it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKinesisClient, createSqsClient, resolvedRegion } from '../../src/aws/clients';
import { readAwsConfig } from '../../src/config/env';
import { ConfigError } from '../../src/errors';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';

const AWS_VARS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_MAX_ATTEMPTS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_EC2_METADATA_DISABLED',
];
const saved: Record<string, string | undefined> = {};
let dir: string;
let configFile: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksp-aws-'));
  configFile = path.join(dir, 'config');
  fs.writeFileSync(
    configFile,
    `[profile sso-user]
region = eu-west-2
max_attempts = 6
sso_session = corp
sso_account_id = 123456789012
sso_role_name = KspOperator

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile no-region]
max_attempts = 2
`,
  );
});

beforeEach(() => {
  for (const name of AWS_VARS) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
  // Nothing from this machine's ~/.aws; no instance metadata lookups.
  process.env.AWS_CONFIG_FILE = configFile;
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});

afterEach(() => {
  for (const name of AWS_VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The client as ksp's worker and CLI build it from this environment. */
function kinesisFrom(env: Record<string, string>) {
  Object.assign(process.env, env);
  return createKinesisClient(readAwsConfig(process.env).kinesis);
}

test('AWS_PROFILE with a region in ~/.aws/config works without AWS_REGION (SSO users)', async () => {
  const kinesis = kinesisFrom({ AWS_PROFILE: 'sso-user' });
  await expect(resolvedRegion(kinesis)).resolves.toBe('eu-west-2');
  await expect(kinesis.config.maxAttempts()).resolves.toBe(6);
  kinesis.destroy();
});

test('AWS_REGION wins over the profile; AWS_DEFAULT_REGION is read as the AWS CLI does', async () => {
  const kinesis = kinesisFrom({ AWS_PROFILE: 'sso-user', AWS_REGION: 'ap-south-1' });
  await expect(resolvedRegion(kinesis)).resolves.toBe('ap-south-1');
  kinesis.destroy();
  delete process.env.AWS_REGION;
  const sqs = createSqsClient(readAwsConfig({ ...process.env, AWS_DEFAULT_REGION: 'sa-east-1' }).sqs);
  await expect(resolvedRegion(sqs)).resolves.toBe('sa-east-1');
  sqs.destroy();
});

test('AWS_MAX_ATTEMPTS is honoured; without it the SDK default (3)', async () => {
  const tuned = kinesisFrom({ AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '10' });
  await expect(tuned.config.maxAttempts()).resolves.toBe(10);
  tuned.destroy();
  delete process.env.AWS_MAX_ATTEMPTS;
  const plain = kinesisFrom({ AWS_REGION: 'us-east-1' });
  await expect(plain.config.maxAttempts()).resolves.toBe(3);
  plain.destroy();
});

test('no region anywhere: a ConfigError saying what to set, from resolvedRegion and from any call', async () => {
  const kinesis = kinesisFrom({ AWS_PROFILE: 'no-region' });
  const expected =
    'AWS_REGION: is not set and no AWS profile gives one: export AWS_REGION=<your stream’s region>, or add `region = …` to your profile in ~/.aws/config';
  await expect(resolvedRegion(kinesis)).rejects.toThrow(new ConfigError('AWS_REGION', expected.slice(12)));
  const err = await kinesis.send(new ListStreamsCommand({})).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toBe(expected);
  kinesis.destroy();
});

test('real endpoints get no placeholder credentials or region: the SDK chain decides', () => {
  expect(readAwsConfig({ AWS_PROFILE: 'sso-user' })).toEqual({
    kinesis: { profile: 'sso-user' },
    sqs: { profile: 'sso-user' },
  });
  expect(
    readAwsConfig({ AWS_ENDPOINT_URL_KINESIS: 'https://kinesis.eu-west-2.amazonaws.com' }).kinesis,
  ).toEqual({
    endpoint: 'https://kinesis.eu-west-2.amazonaws.com',
  });
});

test('loopback emulators: a default region and placeholder credentials, unless the user set their own', () => {
  const local = readAwsConfig({
    AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:4567/',
    AWS_ENDPOINT_URL_SQS: 'http://localhost:4566',
  });
  expect(local.kinesis).toEqual({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:4567',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  expect(local.sqs.endpoint).toBe('http://localhost:4566');
  const own = readAwsConfig({
    AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_REGION: 'eu-west-1',
  });
  expect(own.kinesis).toEqual({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' });
  expect(() => readAwsConfig({ AWS_ENDPOINT_URL_SQS: 'localhost:4566' })).toThrow(
    'AWS_ENDPOINT_URL_SQS: "localhost:4566" is not a URL: use e.g. http://127.0.0.1:4567',
  );
});
