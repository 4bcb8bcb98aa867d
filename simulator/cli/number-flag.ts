/**
 * Numeric CLI flags that quote what was typed when it is not a number. yargs' `type: 'number'`
 * turns `--port-base abc` into NaN before any check sees it; declared without a type and with this
 * `coerce`, yargs-parser makes what looks like a number a number and leaves anything else as typed.
 */
import { SimError, SimErrorCode } from '../shared/errors.js';

/**
 * A yargs `coerce` for `flag` (e.g. `--port-base`): the number given (the last one when repeated).
 * Range checks stay with the command, which can now quote a real number.
 * @throws SimError SIM_ERR_BAD_ARGUMENT `--port-base "abc" is not a number`, or `--port-base
 *   needs a value` when none was given.
 */
export function numberFlag(flag: string): (value: unknown) => number {
  return (value: unknown): number => {
    const v: unknown = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof v === 'number' && !Number.isNaN(v)) return v;
    if (v === true || v === '' || v === undefined) {
      throw new SimError(SimErrorCode.BadArgument, `${flag} needs a value, e.g. ${flag} 8080`);
    }
    throw new SimError(
      SimErrorCode.BadArgument,
      `${flag} ${JSON.stringify(typeof v === 'string' ? v : JSON.stringify(v))} is not a number`,
    );
  };
}
