/**
 * The ports the roles listen on inside their containers (docs/containers.md), apart from the plan
 * so that `sim serve` reads them without loading the plan's imports (the control API, PARS).
 */

/** Ports the roles listen on inside their containers (TCP). */
export const ContainerPorts = {
  broker: 8080,
  control: 8090,
  pars: 8100,
  parsControl: 8110,
  gateway: 9001,
  gatewayControl: 9090,
  integration: 8443,
} as const;
