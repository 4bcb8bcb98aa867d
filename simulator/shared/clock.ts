/** Injectable time source, so tests and data-pack generation never depend on the wall clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that always answers `epochMs` (tests, deterministic generation). */
export function fixedClock(epochMs: number): Clock {
  return { now: () => epochMs };
}
