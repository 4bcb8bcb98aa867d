/**
 * The XCA endpoint table: the paths of the consumer-facing transactions. The broker's listeners and
 * every simulated responding gateway serve the same paths, so one table names both (ITI TF-2 3.38
 * Cross Gateway Query, 3.39 Cross Gateway Retrieve; RAD TF-3 4.75 Cross Gateway Retrieve Imaging
 * Document Set). In shared/ because the runtime wires URLs without importing the protocol code.
 */

/** Path per transaction, appended to a base URL `http(s)://host:port`. */
export const XcaPath = { iti38: '/xca/iti38', iti39: '/xca/iti39', rad75: '/xcai/rad75' } as const;

/** Endpoint URL per transaction name. */
type XcaEndpoints = { 'ITI-38': string; 'ITI-39': string; 'RAD-75': string };

/** The endpoint URLs under a base URL (`http(s)://host:port`, no trailing slash). */
export function xcaEndpoints(url: string): XcaEndpoints {
  return {
    'ITI-38': url + XcaPath.iti38,
    'ITI-39': url + XcaPath.iti39,
    'RAD-75': url + XcaPath.rad75,
  };
}
