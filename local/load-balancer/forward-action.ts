/**
 * The listener's forward action: which target group gets each request. Like ALB's weighted forward
 * action (up to 5 target groups, weights 0-999); by default deterministic: smooth weighted round-robin,
 * so weights 3:1 give exactly 3 of every 4 requests to the first group and tests need no statistics.
 * With a random source it draws each request's group in proportion to the weights, as ALB does.
 * As on ALB, a request is sent to the chosen group even if that group has no target (it answers 503);
 * the action does not fail over to another group.
 */
import { invalidConfiguration } from './errors.js';

export const MAX_TARGET_GROUPS_PER_ACTION = 5;
export const MAX_WEIGHT = 999;

export interface ForwardActionOptions {
  /**
   * Picks each request's group at random in proportion to the weights, as ALB does, instead of the
   * deterministic smooth round-robin: the listeners of ECS services use it, so the share a
   * replacement serves during a canary varies like on AWS. A source of numbers in [0, 1).
   */
  random?: () => number;
}

export class ForwardAction {
  private weights = new Map<string, number>();
  private readonly current = new Map<string, number>();

  constructor(private readonly options: ForwardActionOptions = {}) {}

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
    if (this.options.random) return this.pick(this.options.random());
    return this.roundRobin();
  }

  private pick(draw: number): string | undefined {
    const total = [...this.weights.values()].reduce((sum, weight) => sum + weight, 0);
    if (total === 0) return undefined;
    let point = draw * total;
    for (const [name, weight] of this.weights) {
      if (point < weight) return name;
      point -= weight;
    }
    return [...this.weights].filter(([, weight]) => weight > 0).at(-1)?.[0];
  }

  private roundRobin(): string | undefined {
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
