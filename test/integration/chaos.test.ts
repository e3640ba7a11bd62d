/**
 * The short form of `npm run chaos`: the same scenarios, 25 s of load each, on their own fresh
 * stacks. A scenario passes when no written record is lost, no key's order is broken and no good
 * record reaches the DLQ; duplicates are allowed (at-least-once) but only with a named cause.
 */
import path from 'node:path';
import { testOutDir } from '../../src/local/paths';
import { runScenario } from '../../chaos/run';
import { findScenarios } from '../../chaos/scenarios';
import { workflowBundlePath } from '../helpers/bundle';

const SHORT_SCENARIOS = ['worker-kill', 'throttle', 'sqs-stall'];

describe('chaos (short)', () => {
  it.each(SHORT_SCENARIOS)(
    '%s: nothing lost, per-key order kept',
    async (name) => {
      // Prepare
      const [scenario] = findScenarios([name]);
      if (!scenario) throw new Error(`no scenario ${name}`);
      // Act
      const result = await runScenario(scenario, {
        size: 'short',
        dir: path.join(testOutDir(), 'chaos'),
        workflowBundle: workflowBundlePath(),
        log: () => undefined,
      });
      // Assess
      const v = result.verdict;
      expect(v.written).toBeGreaterThan(1_000);
      expect({ lost: v.lostSample, order: v.orderSample, goodInDlq: v.unexpectedDeadLetters }).toEqual({
        lost: [],
        order: [],
        goodInDlq: 0,
      });
      expect(v.lost).toBe(0);
      expect(v.orderViolations).toBe(0);
      expect(v.handled + v.deadLettered).toBe(v.written);
      if (scenario.poisonEvery) expect(v.deadLettered).toBeGreaterThan(0);
    },
    300_000,
  );
});
