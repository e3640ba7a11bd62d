/**
 * Provisions Prometheus and promtool from Debian's `prometheus` package, pinned, into
 * `.tools/prometheus/` (no system-wide install: the .deb is downloaded with `apt-get download`
 * and unpacked with `dpkg-deb -x`). Idempotent: does nothing when the pinned version is there.
 * Used by the metrics integration test and `promtool test rules`; KSP_PROMETHEUS_BIN and
 * KSP_PROMTOOL_BIN point at your own binaries instead (then nothing is downloaded).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PROMETHEUS_DEB = 'prometheus=2.42.0+ds-5+deb12u1';

function sh(command, args, what, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error || result.status !== 0) {
    const detail = result.error
      ? result.error.message
      : (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    throw new Error(`${what} failed: ${detail}`);
  }
  return result.stdout;
}

/** Returns the directory holding `prometheus` and `promtool`, provisioning it when missing. */
export function ensurePrometheus(tools, say) {
  if (process.env.KSP_PROMETHEUS_BIN && process.env.KSP_PROMTOOL_BIN) return null;
  const dir = path.join(tools, 'prometheus');
  const stamp = path.join(dir, '.ksp-pin');
  const bin = path.join(dir, 'usr', 'bin');
  if (
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === PROMETHEUS_DEB &&
    fs.existsSync(path.join(bin, 'promtool'))
  ) {
    return bin;
  }
  if (spawnSync('apt-get', ['--version']).status !== 0 || spawnSync('dpkg-deb', ['--version']).status !== 0) {
    throw new Error(
      `Prometheus is provisioned from Debian's package ${PROMETHEUS_DEB}, which needs apt-get and dpkg-deb. ` +
        'Elsewhere set KSP_PROMETHEUS_BIN and KSP_PROMTOOL_BIN to your own prometheus and promtool (2.x).',
    );
  }
  say(`apt-get download ${PROMETHEUS_DEB} into ${path.relative(process.cwd(), dir) || dir}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ksp-prometheus-'));
  try {
    let download = spawnSync('apt-get', ['download', PROMETHEUS_DEB], { cwd: work, encoding: 'utf8' });
    if (download.status !== 0) {
      // A fresh machine may have no package lists yet.
      say('apt-get update (no package lists yet)');
      sh('apt-get', ['update', '-qq'], 'apt-get update');
      download = spawnSync('apt-get', ['download', PROMETHEUS_DEB], { cwd: work, encoding: 'utf8' });
    }
    if (download.status !== 0)
      throw new Error(`apt-get download ${PROMETHEUS_DEB} failed: ${download.stderr.trim()}`);
    const deb = fs.readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${PROMETHEUS_DEB} left no .deb`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    sh('dpkg-deb', ['-x', path.join(work, deb), dir], 'dpkg-deb -x');
    sh(path.join(bin, 'promtool'), ['--version'], 'promtool --version');
    fs.writeFileSync(stamp, PROMETHEUS_DEB);
    return bin;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
