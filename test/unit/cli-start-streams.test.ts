/** `ksp start` flags for streams by ARN, assumed roles and --reset, and their errors in the user's terms. */
import { optionsFromFlags } from '../../src/cli/commands/stream';
import { ksp } from '../helpers/cli';

const ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders';
const ROLE = 'arn:aws:iam::123456789012:role/ksp-reader';

test('an ARN, --role-arn and --reset reach the options', () => {
  const flags = optionsFromFlags([ARN, '--role-arn', ROLE, '--reset']);
  expect(flags.options).toMatchObject({ streamName: ARN, roleArn: ROLE });
  expect(flags.reset).toBe(true);
  expect(optionsFromFlags(['orders']).reset).toBe(false);
});

test('an invalid role ARN is refused naming --role-arn, before anything is called', async () => {
  const out = await ksp(['start', ARN, '--role-arn', 'ksp-reader', '--max-attempts', '0']);
  expect(out.code).toBe(2);
  expect(out.stderr).toContain('--role-arn: "ksp-reader" is not an IAM role ARN');
});

test('an invalid stream ARN is refused naming it', async () => {
  const out = await ksp(['start', 'arn:aws:kinesis:eu-west-1:1234:stream/orders', '--max-attempts', '0']);
  expect(out.code).toBe(2);
  expect(out.stderr).toContain('is not a Kinesis stream ARN');
});
