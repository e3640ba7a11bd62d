/**
 * Kinesis clients per stream: a stream named by ARN is read in the ARN's region, and a stream
 * with a `roleArn` with credentials of that role (STS AssumeRole through the SDK's own
 * `fromTemporaryCredentials`, refreshed before they expire). Clients are cached per (region, role),
 * so a worker serving many streams holds one client per distinct pair, not one per stream.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { type AwsClientOptions, createKinesisClient } from './clients';
import { streamRegion } from './stream-ref';

/** Credentials resolved (and refreshed) by the SDK. */
type CredentialProvider = ReturnType<typeof fromTemporaryCredentials>;

/** Session name AWS records in CloudTrail for calls made with an assumed role. */
export const ROLE_SESSION_NAME = 'kinesis-stream-processor';

export interface KinesisClientPoolOptions {
  /** Options every client shares (endpoint, profile, credentials for the role's own calls…). */
  base: AwsClientOptions;
  /** The client for streams in the base region without a role; built from `base` when omitted. */
  defaultClient?: KinesisClient;
  /** STS endpoint for AssumeRole (AWS_ENDPOINT_URL_STS); omitted → the SDK's resolution. */
  stsEndpoint?: string;
  /** How clients are built (tests); @default createKinesisClient */
  create?: (options: AwsClientOptions) => KinesisClient;
}

/** The credentials of `roleArn`, assumed with the base credentials (or the default chain). */
export function assumedRoleCredentials(
  roleArn: string,
  region: string | undefined,
  base: AwsClientOptions,
  stsEndpoint?: string,
): CredentialProvider {
  return fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME },
    ...(base.credentials ? { masterCredentials: base.credentials } : {}),
    clientConfig: {
      ...(region ? { region } : {}),
      ...(base.profile ? { profile: base.profile } : {}),
      ...(stsEndpoint ? { endpoint: stsEndpoint } : {}),
    },
  });
}

export class KinesisClientPool {
  private readonly clients = new Map<string, KinesisClient>();

  constructor(private readonly options: KinesisClientPoolOptions) {}

  /** The client for `streamRef` (name or ARN) read with `roleArn` (or the worker's credentials). */
  forStream(streamRef: string, roleArn?: string | null): KinesisClient {
    const arnRegion = streamRegion(streamRef);
    const region = arnRegion ?? this.options.base.region;
    const baseRegion = arnRegion === undefined || arnRegion === this.options.base.region;
    if (!roleArn && baseRegion && this.options.defaultClient) return this.options.defaultClient;
    const key = `${region ?? ''}|${roleArn ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      const { base } = this.options;
      const create = this.options.create ?? createKinesisClient;
      client = create({
        ...base,
        ...(region ? { region } : {}),
        ...(roleArn
          ? { credentials: assumedRoleCredentials(roleArn, region, base, this.options.stsEndpoint) }
          : {}),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** Distinct clients built so far (besides the default one). */
  get size(): number {
    return this.clients.size;
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
