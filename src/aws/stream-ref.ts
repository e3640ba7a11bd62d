/**
 * A stream as ksp names it: a plain name (`orders`, in the worker's region and account) or a
 * stream ARN (`arn:aws:kinesis:eu-west-1:123456789012:stream/orders`, any region or account).
 * One pure module decides what each form means for Kinesis calls (StreamName or StreamARN), for
 * clients (the ARN's region) and for workflow IDs (an ARN's ID includes account and region, so two
 * streams named `orders` in two accounts or regions never share a workflow). Safe in workflow code.
 */
import { ConfigError } from '../errors';

/** 1–128 characters of a-z, A-Z, 0-9, _ . - (Kinesis' own rule). */
export const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const STREAM_ARN =
  /^arn:(aws[a-z-]*):kinesis:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** What a stream reference (name or ARN) says. */
export interface StreamRef {
  /** The reference as given: what options, status, search attributes and handler routing use. */
  ref: string;
  /** The stream's own name. */
  name: string;
  /** Present when named by ARN. */
  arn?: { partition: string; region: string; account: string };
}

export function isStreamArn(ref: string): boolean {
  return ref.startsWith('arn:');
}

/** Parses a stream name or ARN; a ConfigError naming `field` when it is neither. */
export function parseStreamRef(ref: unknown, field = 'streamName'): StreamRef {
  if (typeof ref === 'string' && STREAM_NAME.test(ref)) return { ref, name: ref };
  const m = typeof ref === 'string' ? STREAM_ARN.exec(ref) : null;
  if (m) {
    const [, partition = '', region = '', account = '', name = ''] = m;
    return { ref: ref as string, name, arn: { partition, region, account } };
  }
  throw new ConfigError(
    field,
    typeof ref === 'string' && isStreamArn(ref)
      ? `${JSON.stringify(ref)} is not a Kinesis stream ARN: use arn:aws:kinesis:<region>:<12-digit account>:stream/<name>`
      : `${JSON.stringify(ref)} is not a Kinesis stream name or ARN: a name is 1–128 characters of a-z, A-Z, 0-9, _ . -; an ARN is arn:aws:kinesis:<region>:<account>:stream/<name>`,
  );
}

/** Like parseStreamRef, for refs that were validated already (workflow inputs): never throws. */
export function streamRefOf(ref: string): StreamRef {
  try {
    return parseStreamRef(ref);
  } catch {
    return { ref, name: ref };
  }
}

/**
 * The part of workflow IDs that names the stream: the plain name (as ksp always did, so running
 * deployments and recorded histories keep their IDs), or `<account>/<region>/<name>` for an ARN.
 * A plain name cannot contain `/`, so the two forms never collide.
 */
export function streamKey(ref: string): string {
  const parsed = streamRefOf(ref);
  return parsed.arn ? `${parsed.arn.account}/${parsed.arn.region}/${parsed.name}` : parsed.name;
}

/** The stream parameter of a Kinesis call: `StreamARN` for an ARN, else `StreamName`. */
export function streamParams(ref: string): { StreamName: string } | { StreamARN: string } {
  return isStreamArn(ref) ? { StreamARN: ref } : { StreamName: ref };
}

/** The region a stream named by ARN lives in; undefined for a plain name (the worker's region). */
export function streamRegion(ref: string): string | undefined {
  return streamRefOf(ref).arn?.region;
}

/** Checks an IAM role ARN (`roleArn` option); a ConfigError naming `field` when it is not one. */
export function checkRoleArn(value: unknown, field = 'roleArn'): string {
  if (typeof value === 'string' && ROLE_ARN.test(value)) return value;
  throw new ConfigError(
    field,
    `${JSON.stringify(value)} is not an IAM role ARN: use arn:aws:iam::<12-digit account>:role/<role name>, the role ksp assumes to read this stream`,
  );
}
