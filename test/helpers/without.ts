/**
 * A shallow copy of `value` without the named properties: how a test drops an optional property
 * under `exactOptionalPropertyTypes` (absent, not present-as-undefined).
 */
export function without<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}
