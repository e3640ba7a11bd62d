/**
 * deploy/: the CloudFormation template passes cfn-lint (PyPI, pinned in scripts/provision.mjs), its
 * worker role grants what deploy/iam/worker-policy.json grants, and each IAM policy covers every
 * AWS call the code of that role makes — and nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/local/paths';
import { runTool, venvBin, yamlToJson } from './tools';

interface Statement {
  Action: string[];
  Resource: unknown;
}

const root = projectRoot();
const policy = (name: string): Statement[] =>
  (
    JSON.parse(fs.readFileSync(path.join(root, 'deploy', 'iam', `${name}-policy.json`), 'utf8')) as {
      Statement: Statement[];
    }
  ).Statement;
const actions = (statements: Statement[]) => statements.flatMap((s) => s.Action).sort();

/** IAM actions of the SDK commands sent from these source paths (batch commands use the plain action). */
function actionsUsedBy(...paths: string[]): string[] {
  const used = new Set<string>();
  const visit = (p: string): void => {
    if (fs.statSync(p).isDirectory()) return fs.readdirSync(p).forEach((e) => visit(path.join(p, e)));
    const text = fs.readFileSync(p, 'utf8');
    for (const imported of text.matchAll(/import \{([^}]*)\} from '@aws-sdk\/client-(kinesis|sqs)'/g)) {
      for (const command of (imported[1] ?? '').matchAll(/\b([A-Z]\w+)Command\b/g)) {
        used.add(`${imported[2]}:${(command[1] ?? '').replace(/Batch$/, '')}`);
      }
    }
  };
  paths.forEach((p) => visit(path.join(root, p)));
  return [...used].sort();
}

test('cfn-lint passes the template', () => {
  expect(runTool(venvBin('cfn-lint'), ['deploy/cloudformation.yaml'])).toBe('');
});

test('the template has the stream, the DLQ, both alarms and the worker role', () => {
  const template = yamlToJson(
    'cloudformation',
    fs.readFileSync(path.join(root, 'deploy', 'cloudformation.yaml'), 'utf8'),
  ) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const byType = Object.values(template.Resources).map((r) => [r.Type, r.Properties.MetricName ?? null]);
  expect(byType).toEqual(
    expect.arrayContaining([
      ['AWS::Kinesis::Stream', null],
      ['AWS::SQS::Queue', null],
      ['AWS::CloudWatch::Alarm', 'GetRecords.IteratorAgeMilliseconds'],
      ['AWS::CloudWatch::Alarm', 'ApproximateNumberOfMessagesVisible'],
      ['AWS::IAM::Role', null],
    ]),
  );
  const role = Object.values(template.Resources).find((r) => r.Type === 'AWS::IAM::Role');
  const [inline] = role?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  expect(actions(inline?.PolicyDocument.Statement ?? [])).toEqual(actions(policy('worker')));
});

test('each policy grants exactly the calls its code makes', () => {
  // The worker's DLQ re-put writes through the project's producer (src/activities/dlq/targets.ts).
  expect(actions(policy('worker'))).toEqual(actionsUsedBy('src/activities', 'src/producer'));
  expect(actions(policy('producer'))).toEqual(actionsUsedBy('src/producer'));
  // The CLI's production commands (start's checks, dlq peek/status); `ksp dev` creates local resources only.
  expect(actions(policy('cli'))).toEqual(
    actionsUsedBy('src/client', 'src/cli/commands/stream.ts', 'src/cli/commands/dlq.ts'),
  );
});
