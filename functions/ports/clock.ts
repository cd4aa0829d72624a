/** Time and randomness come in through ports so steps stay testable and the domain stays pure. */
export interface ClockPort {
  now(): Date;
}

export interface RandomPort {
  /** Cryptographically strong random bytes. */
  bytes(length: number): Uint8Array;
}
