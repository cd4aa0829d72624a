/**
 * Injected failures: "the next N calls of this operation fail". A counter per operation, consumed
 * before the call does anything, so a failed call never changes the simulated service.
 */
export class FaultCounter<Operation extends string> {
  private readonly remaining = new Map<Operation, number>();

  /** Replaces (not adds to) the pending count: tests read as "from now on, the next `times` calls". */
  arm(operation: Operation, times: number): void {
    if (!Number.isInteger(times) || times < 0) {
      throw new RangeError(`times must be a non-negative integer, got ${String(times)}`);
    }
    if (times === 0) this.remaining.delete(operation);
    else this.remaining.set(operation, times);
  }

  /** Consumes one pending failure; true when this call must fail. */
  take(operation: Operation): boolean {
    const left = this.remaining.get(operation) ?? 0;
    if (left === 0) return false;
    if (left === 1) this.remaining.delete(operation);
    else this.remaining.set(operation, left - 1);
    return true;
  }

  pending(operation: Operation): number {
    return this.remaining.get(operation) ?? 0;
  }
}
