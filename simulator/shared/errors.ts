/**
 * Simulator errors: the third error family of docs/architecture.md "Principles" (port in use, bad
 * scenario file, engine unreachable). Protocol outcomes are RegistryErrors (xca/) and unprocessable
 * messages are SoapFaultErrors (soap/); neither is ever a SimError.
 */

/** Stable codes, one per thing a user can fix. Each maps to one CLI exit code. */
export const SimErrorCode = {
  PortInUse: 'SIM_ERR_PORT_IN_USE',
  DataPackMissing: 'SIM_ERR_DATA_PACK_MISSING',
  DataPackInvalid: 'SIM_ERR_DATA_PACK_INVALID',
  BadArgument: 'SIM_ERR_BAD_ARGUMENT',
  NotRunning: 'SIM_ERR_NOT_RUNNING',
  AlreadyRunning: 'SIM_ERR_ALREADY_RUNNING',
  StartTimeout: 'SIM_ERR_START_TIMEOUT',
  /** No container engine answers at DOCKER_HOST (the docker runtime, docs/containers.md). */
  EngineUnreachable: 'SIM_ERR_ENGINE_UNREACHABLE',
  Internal: 'SIM_ERR_INTERNAL',
} as const;
export type SimErrorCode = (typeof SimErrorCode)[keyof typeof SimErrorCode];

/** Process exit codes for the CLI (sysexits-like: 64 usage, 66 no input, 69 unavailable, 70 software). */
export const exitCodeFor: Record<SimErrorCode, number> = {
  [SimErrorCode.PortInUse]: 69,
  [SimErrorCode.DataPackMissing]: 66,
  [SimErrorCode.DataPackInvalid]: 65,
  [SimErrorCode.BadArgument]: 64,
  [SimErrorCode.NotRunning]: 69,
  [SimErrorCode.AlreadyRunning]: 69,
  [SimErrorCode.StartTimeout]: 69,
  [SimErrorCode.EngineUnreachable]: 69,
  [SimErrorCode.Internal]: 70,
};

/**
 * An error the user can act on. `message` is one line that says what to do.
 * @example throw new SimError(SimErrorCode.PortInUse, 'port 8080 is in use: pass --port-base 18080 or stop what holds it')
 */
export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(
    readonly code: SimErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The CLI exit code for this error. */
  get exitCode(): number {
    return exitCodeFor[this.code];
  }
}
