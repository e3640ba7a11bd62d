/**
 * The HTTP/2 Kinesis client enhanced fan-out needs (SubscribeToShard is HTTP/2 only), derived from
 * a stream's ordinary client: same region, credentials (an assumed role too) and endpoint.
 *
 * Against an endpoint override (the emulators) the event stream goes over the pooled HTTP/2 session:
 * the stock handler opens an isolated session and closes it (GOAWAY) as soon as the response
 * headers arrive, which kinesis-local answers with a PING that makes Node abort the session
 * (`ERR_HTTP2_ERROR`); see research/emulators.md, "SubscribeToShard details and workaround".
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler } from '@smithy/node-http-handler';

type HandleArgs = Parameters<NodeHttp2Handler['handle']>;

/** NodeHttp2Handler that keeps event streams on the pooled session (the kinesis-local workaround). */
export class PooledEventStreamHandler extends NodeHttp2Handler {
  override handle(request: HandleArgs[0], options: HandleArgs[1] = {}) {
    return super.handle(request, { ...options, isEventStream: false });
  }
}

const efoClients = new WeakMap<KinesisClient, KinesisClient>();

/** Whether the client talks to an endpoint override (an emulator) rather than AWS. */
export function hasEndpointOverride(kinesis: KinesisClient): boolean {
  return kinesis.config.isCustomEndpoint === true && kinesis.config.endpoint !== undefined;
}

/** The HTTP/2 twin of `kinesis` (cached per client). */
export function efoClientFor(kinesis: KinesisClient): KinesisClient {
  let client = efoClients.get(kinesis);
  if (!client) {
    const config = kinesis.config;
    const custom = hasEndpointOverride(kinesis);
    client = new KinesisClient({
      region: config.region,
      credentials: config.credentials,
      ...(custom ? { endpoint: config.endpoint } : {}),
      // Enhanced fan-out events arrive for minutes on one request: no request timeout.
      requestHandler: custom
        ? new PooledEventStreamHandler({ disableConcurrentStreams: false })
        : new NodeHttp2Handler({}),
    });
    efoClients.set(kinesis, client);
  }
  return client;
}
