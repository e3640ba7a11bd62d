/** Streams named by name or ARN: parsing, the Kinesis parameter, and workflow IDs that never collide. */
import { shardWorkflowId, streamWorkflowId } from '../../src/constants';
import { compileStreamOptions } from '../../src/config/stream-options';
import {
  checkRoleArn,
  parseStreamRef,
  streamKey,
  streamParams,
  streamRegion,
} from '../../src/aws/stream-ref';
import { ConfigError } from '../../src/errors';

const ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders';

test('a stream ARN gives its partition, region, account and name', () => {
  expect(parseStreamRef(ARN)).toEqual({
    ref: ARN,
    name: 'orders',
    arn: { partition: 'aws', region: 'eu-west-1', account: '123456789012' },
  });
  expect(parseStreamRef('arn:aws-cn:kinesis:cn-north-1:123456789012:stream/a.b_c-1').arn?.partition).toBe(
    'aws-cn',
  );
  expect(parseStreamRef('orders')).toEqual({ ref: 'orders', name: 'orders' });
});

test.each([
  ['arn:aws:kinesis:eu-west-1:12345:stream/orders', 'is not a Kinesis stream ARN'],
  ['arn:aws:sqs:eu-west-1:123456789012:orders', 'is not a Kinesis stream ARN'],
  ['arn:aws:kinesis:eu-west-1:123456789012:stream/', 'is not a Kinesis stream ARN'],
  ['orders/eu', 'is not a Kinesis stream name or ARN'],
  ['', 'is not a Kinesis stream name or ARN'],
])('%j is refused naming the field', (ref, text) => {
  const err = (() => {
    try {
      parseStreamRef(ref);
    } catch (e) {
      return e;
    }
    return null;
  })();
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).field).toBe('streamName');
  expect((err as Error).message).toContain(text);
});

test('Kinesis calls take StreamARN for an ARN and StreamName for a name; an ARN names its region', () => {
  expect(streamParams(ARN)).toEqual({ StreamARN: ARN });
  expect(streamParams('orders')).toEqual({ StreamName: 'orders' });
  expect(streamRegion(ARN)).toBe('eu-west-1');
  expect(streamRegion('orders')).toBeUndefined();
});

test('plain names keep their IDs; ARNs get account and region, so same-name streams never collide', () => {
  expect(streamWorkflowId('orders')).toBe('ksp:orders');
  expect(shardWorkflowId('orders', 'shardId-000000000001')).toBe('ksp:orders:shardId-000000000001');
  expect(streamWorkflowId(ARN)).toBe('ksp:123456789012/eu-west-1/orders');
  expect(shardWorkflowId(ARN, 'shardId-000000000001')).toBe(
    'ksp:123456789012/eu-west-1/orders:shardId-000000000001',
  );
  const others = [
    'arn:aws:kinesis:eu-west-1:210987654321:stream/orders',
    'arn:aws:kinesis:us-east-1:123456789012:stream/orders',
    'orders',
  ];
  const ids = new Set([ARN, ...others].map(streamWorkflowId));
  expect(ids.size).toBe(4);
  expect(streamKey(ARN)).toBe('123456789012/eu-west-1/orders');
});

test('options take an ARN as streamName and check roleArn, naming the field', () => {
  const compiled = compileStreamOptions({
    streamName: ARN,
    roleArn: 'arn:aws:iam::123456789012:role/path/ksp-reader',
    retry: { maximumAttempts: 0 },
  });
  expect(compiled.streamName).toBe(ARN);
  expect(compiled.roleArn).toBe('arn:aws:iam::123456789012:role/path/ksp-reader');
  expect('roleArn' in compileStreamOptions({ streamName: 'orders', retry: { maximumAttempts: 0 } })).toBe(
    false,
  );
  for (const bad of ['ksp-reader', 'arn:aws:iam::123:role/x', 'arn:aws:iam::123456789012:user/x', 7]) {
    expect(() => compileStreamOptions({ streamName: 'orders', roleArn: bad as string })).toThrow(
      /^roleArn: .* is not an IAM role ARN: use arn:aws:iam::<12-digit account>:role\/<role name>/,
    );
  }
  expect(() => checkRoleArn('nope', 'KSP_X')).toThrow(/^KSP_X: /);
});
