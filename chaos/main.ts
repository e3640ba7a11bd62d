/**
 * `npm run chaos`: the fault-injection suite. Each scenario runs on its own fresh local stack
 * (127.0.0.1 only, bounded in time) and prints records written, handled, dead-lettered, lost,
 * per-key order violations and duplicates with their cause. Exits 1 when any record was lost,
 * any key's order broken, or a good record dead-lettered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dataDir } from '../src/local/paths';
import { writeWorkflowBundle } from '../bench/workflow-bundle';
import { type ChaosResult, runScenario } from './run';
import { SCENARIOS, type ScenarioSize, findScenarios } from './scenarios';

export const CHAOS_HELP = `Usage: npm run chaos -- [options]
Runs fault-injection scenarios against the embedded stack, each on its own fresh servers:
${SCENARIOS.map((s) => `  ${s.name.padEnd(17)} ${s.description}`).join('\n')}
Options:
  --scenario <list>   comma-separated scenarios (default: all)
  --short             25 s of load per scenario instead of 120 s (what npm test runs)
  --json <file>       also write the results as JSON
Exit code: 0 when no record was lost, no key's order broken and no good record dead-lettered; 1 otherwise.`;

export function isClean(result: ChaosResult): boolean {
  const v = result.verdict;
  return v.lost === 0 && v.orderViolations === 0 && v.unexpectedDeadLetters === 0;
}

export function formatResults(results: ChaosResult[]): string {
  const header = [
    'scenario',
    'written',
    'handled',
    'dead-lettered',
    'lost',
    'order violations',
    'duplicates (cause)',
    's',
  ];
  const rows = results.map((r) => {
    const v = r.verdict;
    const causes = Object.entries(v.duplicateCauses)
      .map(([cause, n]) => `${n} ${cause}`)
      .join(', ');
    return [
      r.scenario,
      String(v.written),
      String(v.handled),
      `${v.deadLettered}${v.dlqDuplicates ? ` (+${v.dlqDuplicates} dup)` : ''}${v.unexpectedDeadLetters ? ` (${v.unexpectedDeadLetters} good!)` : ''}`,
      `${v.lost}${v.lostSample.length ? ` e.g. ${v.lostSample.join(' ')}` : ''}`,
      `${v.orderViolations}${v.orderSample.length ? ` e.g. ${v.orderSample[0]}` : ''}`,
      `${v.duplicates}${causes ? ` (${causes})` : ''}`,
      String(r.seconds),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const faults = results.map(
    (r) =>
      `${r.scenario}: ${r.faults.join('; ') || 'none'}${r.producerFailures ? `; producer gave up on ${r.producerFailures} puts (not written)` : ''}`,
  );
  return [line(header), ...rows.map(line), '', 'Injected:', ...faults.map((f) => `  ${f}`)].join('\n');
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      short: { type: 'boolean' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(CHAOS_HELP);
    return 0;
  }
  const scenarios = findScenarios(values.scenario ? values.scenario.split(',').map((s) => s.trim()) : null);
  const size: ScenarioSize = values.short ? 'short' : 'full';
  const dir = path.join(dataDir(), 'chaos');
  const workflowBundle = await writeWorkflowBundle(path.join(dir, 'workflow-bundle.js'));
  const results: ChaosResult[] = [];
  for (const scenario of scenarios) {
    console.error(`[chaos] ${scenario.name}: ${scenario.description}`);
    results.push(
      await runScenario(scenario, {
        size,
        dir,
        workflowBundle,
        log: (line) => console.error(`[chaos] ${line}`),
      }),
    );
  }
  console.log(formatResults(results));
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(results, null, 2));
  return results.every(isClean) ? 0 : 1;
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`chaos: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 2;
    },
  );
}
