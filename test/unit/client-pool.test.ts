/**
 * Per-stream clients: the ARN's region, and an assumed role's credentials through the SDK's
 * fromTemporaryCredentials. The emulators accept any credentials, so the wiring is tested against a
 * local STS stand-in that answers AssumeRole and records what it was asked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KinesisClientPool, ROLE_SESSION_NAME } from '../../src/aws/client-pool';
import { type AwsClientOptions, createKinesisClient } from '../../src/aws/clients';
import { compileStreamOptions } from '../../src/config/stream-options';

const ROLE = 'arn:aws:iam::210987654321:role/ksp-reader';
const ARN = 'arn:aws:kinesis:eu-west-1:210987654321:stream/orders';
const base: AwsClientOptions = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

let server: http.Server;
let stsEndpoint = '';
const requests: URLSearchParams[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push(new URLSearchParams(body));
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAASSUMED</AccessKeyId>
      <SecretAccessKey>assumed-secret</SecretAccessKey>
      <SessionToken>assumed-token</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser><AssumedRoleId>AROA:ksp</AssumedRoleId><Arn>arn:aws:sts::210987654321:assumed-role/ksp-reader/ksp</Arn></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</AssumeRoleResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stsEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

test('a stream with a roleArn is read with that role’s credentials, assumed through STS', async () => {
  const pool = new KinesisClientPool({ base, stsEndpoint });
  try {
    const client = pool.forStream(ARN, ROLE);
    expect(await client.config.region()).toBe('eu-west-1');
    const credentials = await client.config.credentials();
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAASSUMED',
      secretAccessKey: 'assumed-secret',
      sessionToken: 'assumed-token',
    });
    const asked = requests.at(-1);
    expect(asked?.get('Action')).toBe('AssumeRole');
    expect(asked?.get('RoleArn')).toBe(ROLE);
    expect(asked?.get('RoleSessionName')).toBe(ROLE_SESSION_NAME);
  } finally {
    pool.destroy();
  }
});

test('clients are cached per (region, role); a plain name without a role gets the default client', async () => {
  const made: AwsClientOptions[] = [];
  const defaultClient = createKinesisClient(base);
  const pool = new KinesisClientPool({
    base,
    defaultClient,
    stsEndpoint,
    create: (o) => {
      made.push(o);
      return createKinesisClient(o);
    },
  });
  try {
    expect(pool.forStream('orders')).toBe(defaultClient);
    expect(pool.forStream('arn:aws:kinesis:us-east-1:123456789012:stream/x')).toBe(defaultClient);
    const west = pool.forStream(ARN);
    expect(pool.forStream('arn:aws:kinesis:eu-west-1:123456789012:stream/other')).toBe(west);
    const withRole = pool.forStream(ARN, ROLE);
    expect(withRole).not.toBe(west);
    expect(pool.forStream('arn:aws:kinesis:eu-west-1:999999999999:stream/y', ROLE)).toBe(withRole);
    const plainWithRole = pool.forStream('orders', ROLE);
    expect(plainWithRole).not.toBe(defaultClient);
    expect(pool.size).toBe(3);
    expect(made.map((o) => [o.region, typeof o.credentials])).toEqual([
      ['eu-west-1', 'object'],
      ['eu-west-1', 'function'],
      ['us-east-1', 'function'],
    ]);
  } finally {
    pool.destroy();
    defaultClient.destroy();
  }
});

test('an invalid role ARN is a config error naming roleArn, before any client is built', () => {
  expect(() => compileStreamOptions({ streamName: ARN, roleArn: 'arn:aws:iam::21098765432:role/x' })).toThrow(
    /^roleArn: "arn:aws:iam::21098765432:role\/x" is not an IAM role ARN/,
  );
});
