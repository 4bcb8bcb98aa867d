/**
 * rs:RegistryErrorList codec (ebRS 3.0 rs.xsd; ITI TF-3 4.2.4.1 "RegistryError" and Table
 * 4.2.4.1-2 for the codes). Used inside query:AdhocQueryResponse (ITI-38) and rs:RegistryResponse
 * (ITI-39).
 */
import { attr, childElements, esc, type Element } from '../soap/xml.js';
import { ErrorSeverity, ResponseStatus, XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import { expectElement } from './rim-xml.js';
import type { RegistryError } from './types.js';

const SEVERITIES: ReadonlySet<string> = new Set(Object.values(ErrorSeverity));
const STATUSES: ReadonlySet<string> = new Set(Object.values(ResponseStatus));

/**
 * `<rs:RegistryErrorList highestSeverity="...">` with one `<rs:RegistryError errorCode codeContext
 * severity [location]/>` per error, in order; `''` when `errors` is empty (the list is optional
 * and must not be empty when present: rs.xsd `maxOccurs="unbounded"` with minOccurs 1).
 * The fragment declares `xmlns:rs` itself, so it can be placed in any parent. `highestSeverity` is
 * Error when any error has severity Error, else Warning (ebRS 3.0 rs.xsd).
 */
export function encodeRegistryErrorList(errors: readonly RegistryError[]): string {
  if (errors.length === 0) return '';
  const highest = errors.some((e) => e.severity === ErrorSeverity.Error)
    ? ErrorSeverity.Error
    : ErrorSeverity.Warning;
  let xml = `<rs:RegistryErrorList xmlns:rs="${XcaNs.rs}" highestSeverity="${highest}">`;
  for (const e of errors) {
    const location = e.location === undefined ? '' : ` location="${esc(e.location)}"`;
    xml += `<rs:RegistryError errorCode="${esc(e.errorCode)}" codeContext="${esc(e.codeContext)}" severity="${esc(e.severity)}"${location}/>`;
  }
  return `${xml}</rs:RegistryErrorList>`;
}

/**
 * The errors of an `rs:RegistryErrorList` element, in document order; `[]` for `undefined`.
 * `@severity` defaults to Error when absent (rs.xsd default); `@location` is kept when present.
 * @throws XcaDecodeError when `el` is not rs:RegistryErrorList, or a RegistryError lacks
 *   `@errorCode` or `@codeContext` (both required by rs.xsd) or has a severity other than the two
 *   ErrorSeverityType URNs.
 */
export function decodeRegistryErrorList(el: Element | undefined): RegistryError[] {
  if (el === undefined) return [];
  expectElement(el, XcaNs.rs, 'RegistryErrorList', 'rs:RegistryErrorList');
  return childElements(el, XcaNs.rs, 'RegistryError').map((e, i) => decodeRegistryError(e, i));
}

function decodeRegistryError(el: Element, index: number): RegistryError {
  const where = `rs:RegistryErrorList/rs:RegistryError[${index + 1}]`;
  const errorCode = attr(el, 'errorCode');
  if (errorCode === undefined || errorCode === '') throw new XcaDecodeError(`${where}/@errorCode is missing`);
  const codeContext = attr(el, 'codeContext');
  if (codeContext === undefined) throw new XcaDecodeError(`${where}/@codeContext is missing`);
  const severity = attr(el, 'severity') ?? ErrorSeverity.Error;
  if (!SEVERITIES.has(severity)) {
    throw new XcaDecodeError(
      `${where}/@severity "${severity}" is not an ErrorSeverityType URN (…:Error or …:Warning)`,
    );
  }
  const error: RegistryError = { errorCode, codeContext, severity: severity as ErrorSeverity };
  const location = attr(el, 'location');
  if (location !== undefined) error.location = location;
  return error;
}

/**
 * A RegistryResponse / AdhocQueryResponse `@status` checked against the three ResponseStatusType
 * URNs (ITI TF-3 4.2.4.2).
 * @throws XcaDecodeError `<where> is missing` or `<where> "<value>" is not a ResponseStatusType URN`.
 */
export function decodeResponseStatus(value: string | undefined, where: string): ResponseStatus {
  if (value === undefined) throw new XcaDecodeError(`${where} is missing`);
  if (!STATUSES.has(value)) {
    throw new XcaDecodeError(
      `${where} "${value}" is not a ResponseStatusType URN (urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success|Failure or urn:ihe:iti:2007:ResponseStatusType:PartialSuccess)`,
    );
  }
  return value as ResponseStatus;
}
