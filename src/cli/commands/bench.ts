/** `ksp bench`: placeholder until the benchmark suite lands. */
import type { CliContext } from '../context';

export const BENCH_HELP = `Usage: ksp bench`;

export async function benchCommand(_ctx: CliContext, _argv: string[]): Promise<void> {
  throw new Error('not implemented yet');
}
