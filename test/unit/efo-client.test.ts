/**
 * The enhanced fan-out client: the emulator workarounds (pooled HTTP/2 event streams, the idle
 * shard-end probe) apply only to a client with an endpoint override, never to AWS.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { PooledEventStreamHandler, efoClientFor, hasEndpointOverride } from '../../src/aws/efo-client';

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

describe('efo client', () => {
  it('tells an endpoint override from AWS', () => {
    expect(hasEndpointOverride(new KinesisClient({ region: 'eu-west-1', credentials }))).toBe(false);
    expect(
      hasEndpointOverride(
        new KinesisClient({ region: 'eu-west-1', credentials, endpoint: 'http://127.0.0.1:4567' }),
      ),
    ).toBe(true);
  });

  it('pools event streams against an emulator only, and caches the twin per client', () => {
    const aws = new KinesisClient({ region: 'eu-west-1', credentials });
    const local = new KinesisClient({ region: 'eu-west-1', credentials, endpoint: 'http://127.0.0.1:4567' });
    const awsHandler = efoClientFor(aws).config.requestHandler;
    expect(awsHandler).toBeInstanceOf(NodeHttp2Handler);
    expect(awsHandler).not.toBeInstanceOf(PooledEventStreamHandler);
    expect(efoClientFor(local).config.requestHandler).toBeInstanceOf(PooledEventStreamHandler);
    expect(efoClientFor(aws)).toBe(efoClientFor(aws));
  });
});
