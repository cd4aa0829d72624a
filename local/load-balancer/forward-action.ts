/**
 * The listener's forward action: which target group gets each request. Like ALB's weighted forward
 * action (up to 5 target groups, weights 0-999) but deterministic: smooth weighted round-robin, so
 * weights 3:1 give exactly 3 of every 4 requests to the first group and tests need no statistics.
 * As on ALB, a request is sent to the chosen group even if that group has no target (it answers 503);
 * the action does not fail over to another group.
 */
import { invalidConfiguration } from './errors.js';

export const MAX_TARGET_GROUPS_PER_ACTION = 5;
export const MAX_WEIGHT = 999;

export class ForwardAction {
  private weights = new Map<string, number>();
  private readonly current = new Map<string, number>();

  /** Replaces the weights; groups left out get no traffic. */
  set(weights: ReadonlyMap<string, number>): void {
    const problems: string[] = [];
    if (weights.size === 0 || weights.size > MAX_TARGET_GROUPS_PER_ACTION) {
      problems.push(`a forward action takes 1 to ${MAX_TARGET_GROUPS_PER_ACTION} target groups`);
    }
    for (const [name, weight] of weights) {
      if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
        problems.push(`weight of ${name} must be an integer from 0 to ${MAX_WEIGHT}`);
      }
    }
    if (problems.length > 0) throw invalidConfiguration('ModifyListener', 'listener', problems.join('; '));
    this.weights = new Map(weights);
    this.current.clear();
  }

  get(): ReadonlyMap<string, number> {
    return this.weights;
  }

  /** The next target group, or undefined when every weight is 0. */
  next(): string | undefined {
    let total = 0;
    let best: string | undefined;
    let bestScore = -Infinity;
    for (const [name, weight] of this.weights) {
      if (weight === 0) continue;
      total += weight;
      const score = (this.current.get(name) ?? 0) + weight;
      this.current.set(name, score);
      if (score > bestScore) {
        best = name;
        bestScore = score;
      }
    }
    if (best !== undefined) this.current.set(best, bestScore - total);
    return best;
  }
}
