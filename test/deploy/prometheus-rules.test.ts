/**
 * The shipped alert rules, checked by the real promtool (provisioned from Debian's prometheus
 * package): they parse, and each alert fires on its condition and stays silent otherwise
 * (deploy/prometheus/ksp-alerts.test.yml).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot, resolvePrometheusBin } from '../../src/local/paths';

const rules = path.join(projectRoot(), 'deploy', 'prometheus');

function promtool(...args: string[]): string {
  return execFileSync(resolvePrometheusBin('promtool'), args, { cwd: rules, encoding: 'utf8' });
}

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', 'ksp-alerts.yml')).toContain('SUCCESS: 6 rules found');
  });

  it('fire on their conditions and stay silent otherwise (promtool test rules)', () => {
    expect(promtool('test', 'rules', 'ksp-alerts.test.yml')).toContain('SUCCESS');
  });
});
