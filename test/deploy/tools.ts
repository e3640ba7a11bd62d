/**
 * The provisioned Python tools (scripts/provision.mjs: podman-compose, cfn-lint in .tools/venv)
 * and small helpers the deployment tests share.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot, toolsDir } from '../../src/local/paths';

export function venvBin(name: string): string {
  const file = path.join(toolsDir(), 'venv', 'bin', name);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${file} is missing: run \`node scripts/provision.mjs\` (npm test does), which installs it.`,
    );
  }
  return file;
}

/** Runs a command in the project root; returns stdout, throws with both streams on failure. */
export function runTool(file: string, args: string[], input?: string): string {
  const result = spawnSync(file, args, { cwd: projectRoot(), encoding: 'utf8', input, timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(
      `${path.basename(file)} ${args.join(' ')} exited ${String(result.status ?? result.signal)}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** YAML (compose output) or a CloudFormation template (with its !Ref tags) as JSON, by Python. */
export function yamlToJson(kind: 'yaml' | 'cloudformation', text: string): unknown {
  const script =
    kind === 'yaml'
      ? 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'
      : 'import json, sys, tempfile\nfrom cfnlint.decode import decode\nwith tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:\n  f.write(sys.stdin.read()); f.flush(); t, errs = decode(f.name)\nassert not errs, errs\nprint(json.dumps(t, default=str))';
  return JSON.parse(runTool(venvBin('python'), ['-c', script], text));
}

/** The version pinned for a PyPI package in scripts/provision.mjs. */
export function provisionPin(pkg: string): string {
  const text = fs.readFileSync(path.join(projectRoot(), 'scripts', 'provision.mjs'), 'utf8');
  const match = new RegExp(`'${pkg}==([^']+)'`).exec(text);
  if (!match?.[1]) throw new Error(`no ${pkg}==<version> pin in scripts/provision.mjs`);
  return match[1];
}
