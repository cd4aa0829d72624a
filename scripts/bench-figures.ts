/** What the benchmark scripts print their figures with. */
import { performance } from 'node:perf_hooks';

/** Step Functions Standard: $0.025 per 1,000 state transitions (reference/platform-facts.md). */
export const USD_PER_TRANSITION = 0.025 / 1000;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** One line of a transitions table: the config, its transitions, what they cost, the simulated time. */
export function transitionsLine(
  config: string,
  report: { stateTransitions: number; timeline: ReadonlyArray<{ atSeconds: number }> },
): string {
  const simulated = report.timeline.at(-1)?.atSeconds ?? 0;
  const cost = (report.stateTransitions * USD_PER_TRANSITION).toFixed(6);
  return `  ${config.padEnd(52)} ${String(report.stateTransitions).padStart(3)} transitions  ($${cost}; ${simulated} s simulated)`;
}

/**
 * The median wall time of `runs` runs of `run`, printed under `title`. The first run also pays for
 * loading the modules and building the state machine; it is not counted.
 */
export async function printWallTime(title: string, runs: number, run: () => Promise<unknown>): Promise<void> {
  await run();
  const wallMs: number[] = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    await run();
    wallMs.push(performance.now() - started);
  }
  console.log(`${title}, ${runs} runs after one warm-up:`);
  console.log(
    `  median ${median(wallMs).toFixed(0)} ms (runs: ${wallMs.map((ms) => ms.toFixed(0)).join(', ')} ms)`,
  );
}
