/**
 * The fault catalogue: one discriminated union on `kind`, a common envelope, and the schema that
 * validates faults from files, the control API and the CLI alike (docs/architecture.md "Fault
 * model"; toxiproxy's small orthogonal catalogue). zod gives the TypeScript type and the JSON
 * Schema.
 */
import { z } from 'zod';
import { isValidNhsNumber } from '../xca/nhs-number.js';

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of letters, digits, ".", "_" or "-" (at most 64)');

/** Fields every fault has, whatever its kind. */
const envelope = {
  /** Unique among the faults of a running topology. */
  name,
  /** The community's name, as `sim status` shows it. */
  gateway: z.string().min(1),
  /**
   * Only requests of this transaction: an XCA community's ITI-38, ITI-39, RAD-75; an MHD
   * community's ITI-67, ITI-68 (and RAD-75, which it serves for images too).
   */
  transaction: z.enum(['ITI-38', 'ITI-39', 'RAD-75', 'ITI-67', 'ITI-68']).optional(),
  /** Only requests about this patient (10-digit NHS number). */
  patient: z
    .string()
    .refine(
      (s) => /^\d{10}$/.test(s) && isValidNhsNumber(s),
      'a 10-digit NHS number with a valid check digit',
    )
    .optional(),
  /** Chance of applying to each matching request, drawn from a PRNG seeded per fault. */
  probability: z.number().min(0).max(1).default(1),
  /** Apply to at most this many matching requests. */
  times: z.number().int().positive().optional(),
  /** Skip the first `after` matching requests. */
  after: z.number().int().min(0).default(0),
} as const;

const ms = z.number().int().min(0).max(600_000);

/** A rim:Slot `@name` (ebRIM 3.0 rim.xsd LongName: at most 256 characters). */
const slotName = z.string().min(1).max(256);

/**
 * An HTTP field value (RFC 9110 §5.5): visible ASCII, obs-text (0x80-0xFF), spaces and tabs
 * inside, nothing else; CR, LF and NUL could never be sent (Node refuses them with
 * ERR_INVALID_CHAR) and CR/LF would split the header. Bounded at 1024 characters.
 */
const fieldValue = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[\x21-\x7e\x80-\xff](?:[\x20-\x7e\x80-\xff\t]*[\x21-\x7e\x80-\xff])?$/, {
    message:
      'an HTTP header value (RFC 9110 §5.5): visible characters, with spaces or tabs only between them (no CR, LF or other control characters)',
  });

/** An `http-status` fault's Content-Type when none is given. */
export const HTTP_STATUS_DEFAULT_CONTENT_TYPE = 'text/html; charset=utf-8';
/**
 * An `http-status` fault's body when none is given. On an MHD community a fault that leaves both
 * defaults sends an OperationOutcome instead (faults/fault-plan.ts).
 */
export const HTTP_STATUS_DEFAULT_BODY = '<html><body><h1>503 Service Unavailable</h1></body></html>';

const kinds = [
  z.object({ ...envelope, kind: z.literal('latency'), latencyMs: ms, jitterMs: ms.default(0) }),
  z.object({
    ...envelope,
    kind: z.literal('soap-fault'),
    code: z.enum(['Sender', 'Receiver']).default('Receiver'),
    reason: z.string().min(1).default('simulated fault'),
  }),
  z.object({
    ...envelope,
    kind: z.literal('registry-error'),
    errorCode: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'an IHE errorCode such as XDSRegistryError'),
    severity: z.enum(['Error', 'Warning']).default('Error'),
    codeContext: z.string().min(1).optional(),
    withDocuments: z.boolean().default(false),
  }),
  z.object({ ...envelope, kind: z.literal('unknown-patient') }),
  z.object({
    ...envelope,
    kind: z.literal('drop-documents'),
    keepFraction: z.number().min(0).max(1).default(0.5),
  }),
  z.object({ ...envelope, kind: z.literal('missing-home') }),
  z.object({
    ...envelope,
    kind: z.literal('wrong-home'),
    home: z
      .string()
      .regex(/^urn:oid:[0-2](\.(0|[1-9]\d*))+$/, 'urn:oid:<OID>')
      .default('urn:oid:2.25.1'),
  }),
  z.object({
    ...envelope,
    kind: z.literal('http-status'),
    status: z.number().int().min(200).max(599).default(503),
    /** Sent as the Content-Type header value. */
    contentType: fieldValue.default(HTTP_STATUS_DEFAULT_CONTENT_TYPE),
    body: z.string().default(HTTP_STATUS_DEFAULT_BODY),
  }),
  z.object({
    ...envelope,
    kind: z.literal('status-mismatch'),
    errorCode: z.string().min(1).default('XDSRegistryError'),
    codeContext: z.string().min(1).default('simulated: an Error entry under status Success'),
  }),
  z.object({ ...envelope, kind: z.literal('timeout') }),
  z.object({
    ...envelope,
    kind: z.literal('connection-reset'),
    afterBytes: z.number().int().min(0).default(0),
  }),
  z.object({ ...envelope, kind: z.literal('refuse') }),
  z.object({ ...envelope, kind: z.literal('slow-body'), bytesPerSecond: z.number().int().min(1).max(1e9) }),
  z.object({
    ...envelope,
    kind: z.literal('malformed-xml'),
    variant: z.enum(['truncated', 'not-well-formed', 'wrong-namespace']).default('truncated'),
  }),
  /**
   * The JSON counterpart of malformed-xml, for MHD communities (FHIR R4 JSON): cut in half, not
   * JSON, or valid JSON of the wrong resourceType. On an XCA community each variant acts as its
   * malformed-xml counterpart (truncated, not-well-formed, wrong-namespace), and malformed-xml on
   * an MHD community as its JSON one (docs/faults.md).
   */
  z.object({
    ...envelope,
    kind: z.literal('malformed-json'),
    variant: z.enum(['truncated', 'not-well-formed', 'wrong-resource-type']).default('truncated'),
  }),
  z.object({
    ...envelope,
    kind: z.literal('empty-body'),
    status: z.number().int().min(200).max(599).default(200),
  }),
  z.object({ ...envelope, kind: z.literal('cert-expired') }),
  z.object({ ...envelope, kind: z.literal('cert-revoked') }),
  z.object({ ...envelope, kind: z.literal('cert-untrusted') }),
  // The simulated PARS service (docs/audit.md), named by `gateway: pars`; `transaction` and `patient`
  // match the audited transaction. Applied by the PARS service, never by the broker.
  /** PARS unreachable: the listener closes (unconditional), or the connection is reset per event. */
  z.object({ ...envelope, gateway: z.literal('pars'), kind: z.literal('pars-down') }),
  /** PARS answers each AuditEvent POST after `latencyMs` (+/- `jitterMs`). */
  z.object({
    ...envelope,
    gateway: z.literal('pars'),
    kind: z.literal('pars-slow'),
    latencyMs: ms,
    jitterMs: ms.default(0),
  }),
  /**
   * Every DocumentEntry (rim:ExtrinsicObject) of an ITI-38 response without its rim:Slot `slot`
   * (e.g. `hash`, `size`, `creationTime`, `repositoryUniqueId`, or
   * `urn:ihe:iti:xds:2013:referenceIdList`; ITI TF-3 4.2.3.2): incomplete metadata.
   */
  z.object({ ...envelope, kind: z.literal('drop-slot'), slot: slotName }),
  /** The same Slot kept with the one value `value` instead of its own (a wrong hash, a wrong size). */
  z.object({
    ...envelope,
    kind: z.literal('wrong-slot'),
    slot: slotName,
    value: z.string().min(1).max(1024),
  }),
  /**
   * Every RegistryError of the response with `@location` removed (no `location`) or set to
   * `location`, where ITI TF-2 3.38.4.1.3 / 3.39.4.1.3 want the community's homeCommunityId.
   */
  z.object({
    ...envelope,
    kind: z.literal('registry-error-location'),
    location: z.string().min(1).max(256).optional(),
  }),
  // Retrieve content faults (ITI-39, RAD-75): what the conformance kit's retrieve checks must catch.
  /** One byte of every returned document flipped (its size stays, its SHA-1 changes); bytes held in memory only. */
  z.object({ ...envelope, kind: z.literal('corrupt-document') }),
  /** Each DocumentResponse carries the bytes of the next one (rotation; no effect on a single document). */
  z.object({ ...envelope, kind: z.literal('swap-documents') }),
  /** Every returned document's bytes replaced by a short text that is no DICOM Part 10 file (PS3.10 §7.1). */
  z.object({ ...envelope, kind: z.literal('not-part10') }),
  /**
   * Each RegistryError whose errorCode is `from` (every one when absent) gets `errorCode` and/or
   * `location` instead: a wrong code or location for an error the gateway otherwise gets right.
   */
  z.object({
    ...envelope,
    kind: z.literal('rewrite-error'),
    from: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'an IHE errorCode such as XDSDocumentUniqueIdError')
      .optional(),
    errorCode: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'an IHE errorCode such as XDSRepositoryError')
      .optional(),
    location: z.string().min(1).max(256).optional(),
  }),
  /** Each MTOM part's Content-ID differs from the xop:Include href that refers to it (XOP 1.0 §3.2). */
  z.object({ ...envelope, kind: z.literal('mtom-wrong-content-id') }),
] as const;

/** The schema of one fault (input: defaults may be omitted). */
export const FaultSpecSchema = z.discriminatedUnion('kind', kinds);

/** A validated fault, defaults filled in. */
export type FaultSpec = z.output<typeof FaultSpecSchema>;
/** A fault as written in a file or sent to the control API. */
export type FaultSpecInput = z.input<typeof FaultSpecSchema>;
/** The kind names. */
type FaultKind = FaultSpec['kind'];

/** Simulated services that take faults besides the communities, and the kinds each takes. */
export const SERVICE_FAULT_KINDS: Readonly<Record<string, readonly FaultKind[]>> = {
  pars: ['pars-down', 'pars-slow'],
};

/** Every kind, in catalogue order. */
export const FAULT_KINDS: readonly FaultKind[] = kinds.map((k) => k.shape.kind.value);

/**
 * Validate one fault. Every problem is reported, each as `path: message` (e.g.
 * `probability: Too big: expected number to be <=1`).
 */
export function parseFaultSpec(
  input: unknown,
): { ok: true; fault: FaultSpec } | { ok: false; problems: string[] } {
  const r = FaultSpecSchema.safeParse(input);
  if (r.success) return { ok: true, fault: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(fault)'}: ${i.message}`),
  };
}
