/**
 * Where the control API serves the broker's settings (`GET`, `PUT`, `PATCH`; docs/faults.md "The control
 * API"). A leaf of its own so that the control client (and `sim status`) need not load the server
 * side's express routes.
 */
export const BROKER_SETTINGS_PATH = '/broker/settings';
