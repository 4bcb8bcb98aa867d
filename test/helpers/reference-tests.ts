/**
 * `it` / `describe` for tests whose only purpose is to check against the IHE reference set
 * (../shared/reference): skipped when it is absent and not required, see
 * {@link skipWithoutReference} in repo-root.ts.
 */
import { describe, it } from 'vitest';
import { skipWithoutReference } from './repo-root.js';

/** `it`, skipped without the reference set (outside CI); `itRef.each` works as `it.each`. */
export const itRef = it.skipIf(skipWithoutReference);

/** `describe`, skipped without the reference set (outside CI). */
export const describeRef = describe.skipIf(skipWithoutReference);
