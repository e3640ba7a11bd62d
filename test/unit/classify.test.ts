import http from 'node:http';
import {
  AccessDeniedException,
  ExpiredIteratorException,
  InternalFailureException,
  InvalidArgumentException,
  KinesisClient,
  KinesisServiceException,
  KMSAccessDeniedException,
  KMSThrottlingException,
  LimitExceededException,
  ListStreamsCommand,
  ProvisionedThroughputExceededException,
  ResourceInUseException,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-kinesis';
import {
  InvalidMessageContents,
  OverLimit,
  QueueDoesNotExist,
  RequestThrottled,
  SQSServiceException,
  ResourceNotFoundException as SqsResourceNotFoundException,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ApplicationFailure } from '@temporalio/common';
import {
  type AwsErrorContext,
  classifyAwsError,
  isExpiredIterator,
  isThrottling,
  isTransient,
} from '../../src/aws/classify';
import { ErrorType } from '../../src/errors';

const $metadata = { httpStatusCode: 400 };
const KINESIS: AwsErrorContext = {
  operation: 'GetRecords',
  streamName: 'orders',
  shardId: 'shardId-000000000001',
  region: 'eu-west-1',
  endpoint: 'http://127.0.0.1:4568',
};
const SQS: AwsErrorContext = {
  operation: 'SendMessage',
  queueUrl: 'http://127.0.0.1:4566/000000000000/orders-dlq',
  region: 'eu-west-1',
};

/** An error the SDK builds for a name its model does not know (as it does for unmodelled exceptions). */
function kinesisNamed(
  name: string,
  fault: 'client' | 'server' = 'client',
  status = 400,
): KinesisServiceException {
  return new KinesisServiceException({
    name,
    $fault: fault,
    message: `${name} happened`,
    $metadata: { httpStatusCode: status },
  });
}

function withCode(error: Error, code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(error, { code, ...extra });
}

type Row = [
  label: string,
  error: () => unknown,
  context: AwsErrorContext,
  type: string,
  nonRetryable: boolean,
];

const TABLE: Row[] = [
  [
    'Kinesis ResourceNotFoundException',
    () => new ResourceNotFoundException({ message: 'Stream orders not found', $metadata }),
    KINESIS,
    ErrorType.StreamNotFound,
    true,
  ],
  [
    'SQS ResourceNotFoundException',
    () => new SqsResourceNotFoundException({ message: 'gone', $metadata }),
    SQS,
    ErrorType.QueueNotFound,
    true,
  ],
  [
    'SQS QueueDoesNotExist',
    () => new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata }),
    SQS,
    ErrorType.QueueNotFound,
    true,
  ],
  [
    'AWS.SimpleQueueService.NonExistentQueue (query-compatible Code)',
    () =>
      Object.assign(
        new SQSServiceException({
          name: 'SQSServiceException',
          $fault: 'client',
          message: 'no queue',
          $metadata,
        }),
        { Code: 'AWS.SimpleQueueService.NonExistentQueue' },
      ),
    SQS,
    ErrorType.QueueNotFound,
    true,
  ],
  [
    'InvalidArgumentException',
    () => new InvalidArgumentException({ message: 'Invalid ShardIterator.', $metadata }),
    KINESIS,
    ErrorType.AwsBadRequest,
    true,
  ],
  [
    'ValidationException',
    () => new ValidationException({ message: "Value null at 'streamName'", $metadata }),
    KINESIS,
    ErrorType.AwsBadRequest,
    true,
  ],
  ['InvalidParameterValue', () => kinesisNamed('InvalidParameterValue'), SQS, ErrorType.AwsBadRequest, true],
  ['MessageTooLong', () => kinesisNamed('MessageTooLong'), SQS, ErrorType.AwsBadRequest, true],
  [
    'SQS InvalidMessageContents',
    () => new InvalidMessageContents({ message: 'bad char', $metadata }),
    SQS,
    ErrorType.AwsBadRequest,
    true,
  ],
  [
    'AccessDeniedException',
    () => new AccessDeniedException({ message: 'not authorized', $metadata }),
    KINESIS,
    ErrorType.AwsAccessDenied,
    true,
  ],
  [
    'KMSAccessDeniedException',
    () => new KMSAccessDeniedException({ message: 'kms', $metadata }),
    KINESIS,
    ErrorType.AwsAccessDenied,
    true,
  ],
  [
    'UnrecognizedClientException',
    () => kinesisNamed('UnrecognizedClientException'),
    KINESIS,
    ErrorType.AwsAccessDenied,
    true,
  ],
  [
    'ExpiredTokenException',
    () => kinesisNamed('ExpiredTokenException'),
    KINESIS,
    ErrorType.AwsAccessDenied,
    true,
  ],
  [
    'InvalidSignatureException',
    () => kinesisNamed('InvalidSignatureException', 'client', 403),
    KINESIS,
    ErrorType.AwsAccessDenied,
    true,
  ],
  [
    'IncompleteSignature',
    () => kinesisNamed('IncompleteSignature', 'client', 403),
    KINESIS,
    ErrorType.AwsAccessDenied,
    true,
  ],
  [
    'MissingAuthenticationToken',
    () => kinesisNamed('MissingAuthenticationToken', 'client', 403),
    KINESIS,
    ErrorType.AwsAccessDenied,
    true,
  ],
  [
    'CredentialsProviderError',
    () =>
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
        tryNextLink: false,
      }),
    KINESIS,
    ErrorType.AwsAccessDenied,
    true,
  ],
  [
    'ProvisionedThroughputExceededException',
    () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata }),
    KINESIS,
    ErrorType.AwsThrottled,
    false,
  ],
  [
    'LimitExceededException',
    () => new LimitExceededException({ message: 'limit', $metadata }),
    KINESIS,
    ErrorType.AwsThrottled,
    false,
  ],
  [
    'KMSThrottlingException',
    () => new KMSThrottlingException({ message: 'kms', $metadata }),
    KINESIS,
    ErrorType.AwsThrottled,
    false,
  ],
  ['ThrottlingException', () => kinesisNamed('ThrottlingException'), KINESIS, ErrorType.AwsThrottled, false],
  [
    'RequestLimitExceeded',
    () => kinesisNamed('RequestLimitExceeded'),
    KINESIS,
    ErrorType.AwsThrottled,
    false,
  ],
  [
    'SQS RequestThrottled',
    () => new RequestThrottled({ message: 'slow down', $metadata }),
    SQS,
    ErrorType.AwsThrottled,
    false,
  ],
  [
    'SQS OverLimit',
    () => new OverLimit({ message: 'too many in flight', $metadata }),
    SQS,
    ErrorType.AwsThrottled,
    false,
  ],
  [
    'an unknown name the SDK marks as throttling',
    () => Object.assign(kinesisNamed('SlowDownPlease'), { $retryable: { throttling: true } }),
    KINESIS,
    ErrorType.AwsThrottled,
    false,
  ],
  [
    'ExpiredIteratorException',
    () => new ExpiredIteratorException({ message: 'Iterator expired', $metadata }),
    KINESIS,
    ErrorType.ExpiredIterator,
    false,
  ],
  [
    'InternalFailureException',
    () => new InternalFailureException({ message: 'oops', $metadata: { httpStatusCode: 500 } }),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'ResourceInUseException (stream UPDATING)',
    () => new ResourceInUseException({ message: 'updating', $metadata }),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'kinesis-local HTTP 500 UnknownError',
    () => kinesisNamed('UnknownError', 'server', 500),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'HTTP 503 without $fault',
    () => Object.assign(new Error('unavailable'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } }),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'ENOTFOUND',
    () => withCode(new Error('getaddrinfo ENOTFOUND kinesis.local'), 'ENOTFOUND', { $metadata: {} }),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'ETIMEDOUT',
    () => withCode(new Error('connect ETIMEDOUT'), 'ETIMEDOUT'),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'socket hang up (TimeoutError, ECONNRESET)',
    () => Object.assign(withCode(new Error('socket hang up'), 'ECONNRESET'), { name: 'TimeoutError' }),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'HTTP/2 stream cancelled, caused by ECONNREFUSED',
    () =>
      withCode(
        new Error('The pending stream has been canceled', {
          cause: withCode(new Error('connect ECONNREFUSED'), 'ECONNREFUSED'),
        }),
        'ERR_HTTP2_STREAM_CANCEL',
      ),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'AggregateError of ECONNREFUSED (IPv4 and IPv6)',
    () =>
      new AggregateError(
        [withCode(new Error('a'), 'ECONNREFUSED'), withCode(new Error('b'), 'ECONNREFUSED')],
        'connect failed',
      ),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'TimeoutError',
    () => Object.assign(new Error('request timed out'), { name: 'TimeoutError' }),
    SQS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'an unknown client error from AWS',
    () => kinesisNamed('BrandNewException'),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    'TypeError',
    () => new TypeError("Cannot read properties of undefined (reading 'Records')"),
    KINESIS,
    ErrorType.Programming,
    true,
  ],
  ['RangeError', () => new RangeError('Invalid array length'), KINESIS, ErrorType.Programming, true],
  ['ReferenceError', () => new ReferenceError('x is not defined'), KINESIS, ErrorType.Programming, true],
  ['SyntaxError', () => new SyntaxError('Unexpected token'), KINESIS, ErrorType.Programming, true],
  [
    "the SDK's parse error on a 502 from a proxy (a body that is not the service's)",
    () =>
      Object.assign(new SyntaxError('Unexpected token \'B\', "Bad Gateway" is not valid JSON'), {
        $response: { statusCode: 502, headers: {}, body: undefined },
      }),
    KINESIS,
    ErrorType.AwsUnavailable,
    false,
  ],
  [
    "the SDK's parse error on a 200 (a bug or a broken endpoint, not an outage)",
    () => Object.assign(new SyntaxError('Unexpected end of JSON input'), { $response: { statusCode: 200 } }),
    KINESIS,
    ErrorType.Programming,
    true,
  ],
  [
    'a plain Error that never reached AWS',
    () => new Error('region is missing'),
    KINESIS,
    ErrorType.Programming,
    true,
  ],
  ['a thrown string', () => 'boom', KINESIS, ErrorType.Programming, true],
];

describe('classifyAwsError', () => {
  describe.each(TABLE)('%s', (_label, makeError, context, type, nonRetryable) => {
    it(`is ${type}, ${nonRetryable ? 'not retried' : 'retried'}, with the original as cause`, () => {
      // Prepare
      const error = makeError();
      // Act
      const failure = classifyAwsError(error, context);
      // Assess
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure.type).toBe(type);
      expect(failure.nonRetryable).toBe(nonRetryable);
      if (error instanceof Error) expect(failure.cause).toBe(error);
      else expect(failure.cause?.message).toBe(String(error));
      expect(failure.message).toContain(context.operation);
    });
  });

  describe.each([
    [
      'stream not found',
      new ResourceNotFoundException({ message: 'not found', $metadata }),
      KINESIS,
      ['"orders"', 'eu-west-1', 'http://127.0.0.1:4568', 'Create the stream', 'AWS_ENDPOINT_URL_KINESIS'],
    ],
    [
      'queue not found',
      new QueueDoesNotExist({ message: 'gone', $metadata }),
      SQS,
      [SQS.queueUrl ?? '', 'Create it', 'dlqQueueUrl'],
    ],
    [
      'access denied',
      kinesisNamed('UnrecognizedClientException'),
      KINESIS,
      ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'credential'],
    ],
    [
      'unreachable endpoint',
      withCode(new Error('connect ECONNREFUSED 127.0.0.1:4568'), 'ECONNREFUSED'),
      KINESIS,
      ['http://127.0.0.1:4568', 'ECONNREFUSED', 'retried'],
    ],
    [
      'default endpoint',
      withCode(new Error('x'), 'ENOTFOUND'),
      { operation: 'ListShards', streamName: 'orders', region: 'us-east-2' },
      ['the default AWS Kinesis endpoint in us-east-2'],
    ],
    [
      'kinesis-local garbage iterator',
      kinesisNamed('UnknownError', 'server', 500),
      KINESIS,
      ['garbled shard iterator', 'retried'],
    ],
    [
      'the original message',
      new InvalidArgumentException({ message: 'Invalid ShardIterator.', $metadata }),
      KINESIS,
      ['[InvalidArgumentException: Invalid ShardIterator.]'],
    ],
  ])('the message for %s', (_what, error, context, parts) => {
    it('says what failed and how to fix it', () => {
      // Act
      const { message } = classifyAwsError(error, context);
      // Assess
      for (const part of parts) expect(message).toContain(part);
    });
  });

  it('classifies a real ECONNREFUSED from the SDK', async () => {
    // Prepare: a port that was just free.
    const server = http.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new KinesisClient({
      region: 'us-east-1',
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler({}),
    });
    // Act
    const error: unknown = await client.send(new ListStreamsCommand({})).catch((e: unknown) => e);
    const failure = classifyAwsError(error, { operation: 'ListStreams', endpoint });
    client.destroy();
    // Assess
    expect(failure).toMatchObject({ type: ErrorType.AwsUnavailable, nonRetryable: false });
    expect(failure.message).toContain(`endpoint ${endpoint}`);
    expect(failure.message).toContain('ECONNREFUSED');
  });

  it('leaves an ApplicationFailure as it is', () => {
    // Prepare
    const failure = ApplicationFailure.create({
      type: 'Mine',
      message: 'already classified',
      nonRetryable: true,
    });
    // Act
    const result = classifyAwsError(failure, KINESIS);
    // Assess
    expect(result).toBe(failure);
  });
});

describe.each([
  [
    'ProvisionedThroughputExceededException',
    new ProvisionedThroughputExceededException({ message: 'x', $metadata }),
    true,
    false,
    true,
  ],
  ['ExpiredIteratorException', new ExpiredIteratorException({ message: 'x', $metadata }), false, true, false],
  ['InternalFailureException', new InternalFailureException({ message: 'x', $metadata }), false, false, true],
  ['ECONNREFUSED', withCode(new Error('x'), 'ECONNREFUSED'), false, false, true],
  [
    'ResourceNotFoundException',
    new ResourceNotFoundException({ message: 'x', $metadata }),
    false,
    false,
    false,
  ],
  ['TypeError', new TypeError('x'), false, false, false],
  [
    'a failure classified AwsThrottled',
    classifyAwsError(new LimitExceededException({ message: 'x', $metadata }), KINESIS),
    true,
    false,
    true,
  ],
  [
    'a failure classified ExpiredIterator',
    classifyAwsError(new ExpiredIteratorException({ message: 'x', $metadata }), KINESIS),
    false,
    true,
    false,
  ],
  [
    'a failure classified AwsUnavailable',
    classifyAwsError(kinesisNamed('UnknownError', 'server', 500), KINESIS),
    false,
    false,
    true,
  ],
  [
    'a failure classified StreamNotFound',
    classifyAwsError(new ResourceNotFoundException({ message: 'x', $metadata }), KINESIS),
    false,
    false,
    false,
  ],
])('predicates for %s', (_label, error, throttling, expired, transient) => {
  it(`isThrottling ${throttling}, isExpiredIterator ${expired}, isTransient ${transient}`, () => {
    // Act
    const actual = [isThrottling(error), isExpiredIterator(error), isTransient(error)];
    // Assess
    expect(actual).toEqual([throttling, expired, transient]);
  });
});
