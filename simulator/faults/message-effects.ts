/**
 * Content faults applied to a gateway's typed response: the community's own errors, an unknown
 * patient, dropped documents, missing or wrong `home`, and status Success over Error entries (as
 * real gateways send: ihe-xca.md section 5); a DocumentEntry Slot dropped or wrong, and
 * RegistryErrors without or with a wrong `location`. Pure functions over xca types.
 */
import { withRootAttribute } from '../soap/xml-fragment.js';
import { ErrorCode, ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import { deriveStatus } from '../xca/status.js';
import type {
  AdhocQueryResponse,
  DocumentResponse,
  RegistryError,
  RegistryObjectXml,
  RetrieveDocumentSetResponse,
} from '../xca/types.js';
import type { ContentFault } from './fault-plan.js';
import { withSlot } from './slot-effects.js';

/** The community the response comes from. */
interface EffectContext {
  homeCommunityId: string;
  /** Human name for codeContext texts. */
  displayName: string;
}

/** Apply content faults, in order, to an ITI-38 response. */
export function applyToQueryResponse(
  resp: AdhocQueryResponse,
  faults: readonly ContentFault[],
  ctx: EffectContext,
): AdhocQueryResponse {
  let out = resp;
  for (const f of faults) {
    const step = common(f, ctx, out.objects, out.errors);
    out = {
      status: step.status ?? deriveStatus(step.errors, step.items.length > 0),
      errors: step.errors,
      objects: step.items.map((o) => slotEffect(f, homeEffect(f, o))),
    };
  }
  return out;
}

/** Apply content faults, in order, to an ITI-39 response. */
export function applyToRetrieveResponse(
  resp: RetrieveDocumentSetResponse,
  faults: readonly ContentFault[],
  ctx: EffectContext,
): RetrieveDocumentSetResponse {
  let out = resp;
  for (const f of faults) {
    const step = common(f, ctx, out.documents, out.errors);
    const home = f.kind === 'missing-home' ? '' : f.kind === 'wrong-home' ? f.home : undefined;
    const documents =
      home === undefined ? step.items : step.items.map((d) => ({ ...d, homeCommunityId: home }));
    out = {
      status: step.status ?? deriveStatus(step.errors, step.items.length > 0),
      errors: step.errors,
      documents: contentEffect(f, documents),
    };
  }
  return out;
}

/** The bytes a `not-part10` fault sends: text, with no 128-byte preamble and no `DICM` (DICOM PS3.10 §7.1). */
export const NOT_PART10_TEXT = 'nir-sim not-part10 fault: these bytes are not a DICOM Part 10 file\n';

/**
 * What the retrieve content faults do to the documents' bytes: `corrupt-document` flips the middle
 * byte of each (documents held in memory; RAD-75 images, streamed from disk behind an empty
 * placeholder, are left alone), `swap-documents` gives each the next one's bytes, `not-part10`
 * replaces them with {@link NOT_PART10_TEXT}.
 */
function contentEffect(f: ContentFault, docs: DocumentResponse[]): DocumentResponse[] {
  switch (f.kind) {
    case 'corrupt-document':
      return docs.map((d) => {
        if (d.content.length === 0) return d;
        const content = Buffer.from(d.content);
        const at = Math.floor(content.length / 2);
        content[at] = content[at]! ^ 0xff;
        return { ...d, content };
      });
    case 'swap-documents':
      return docs.map((d, i) => ({ ...d, content: docs[(i + 1) % docs.length]!.content }));
    case 'not-part10':
      return docs.map((d) => ({ ...d, content: Buffer.from(NOT_PART10_TEXT, 'utf8') }));
    case 'registry-error':
    case 'unknown-patient':
    case 'drop-documents':
    case 'missing-home':
    case 'wrong-home':
    case 'status-mismatch':
    case 'drop-slot':
    case 'wrong-slot':
    case 'registry-error-location':
    case 'rewrite-error':
      return docs;
  }
}

/** What content faults leave of an MHD answer (ITI-67 matches, or the one ITI-68 document). */
export interface ContentOutcome<T> {
  items: T[];
  /** The community's RegistryErrors, each located at it (MHD: OperationOutcome issues). */
  errors: RegistryError[];
  /** A `status-mismatch` applied: the errors claim success (MHD: HTTP 200 with no Bundle). */
  mismatch: boolean;
}

/**
 * Apply content faults, in order, to any protocol's answer (an MHD community's DocumentReferences
 * or document): the same effects as on ITI-38 / ITI-39, with `withHome(item, home)` removing
 * (`undefined`) or replacing the item's homeCommunityId.
 */
export function applyToItems<T>(
  items: readonly T[],
  errors: readonly RegistryError[],
  faults: readonly ContentFault[],
  ctx: EffectContext,
  withHome: (item: T, home: string | undefined) => T,
): ContentOutcome<T> {
  let out: ContentOutcome<T> = { items: [...items], errors: [...errors], mismatch: false };
  for (const f of faults) {
    const step = common(f, ctx, out.items, out.errors);
    const moved =
      f.kind === 'missing-home'
        ? step.items.map((i) => withHome(i, undefined))
        : f.kind === 'wrong-home'
          ? step.items.map((i) => withHome(i, f.home))
          : step.items;
    out = { items: moved, errors: step.errors, mismatch: out.mismatch || f.kind === 'status-mismatch' };
  }
  return out;
}

/** The effect shared by both transactions: which items stay, which errors are added, any forced status. */
function common<T>(
  f: ContentFault,
  ctx: EffectContext,
  items: readonly T[],
  errors: readonly RegistryError[],
): { items: T[]; errors: RegistryError[]; status?: ResponseStatus } {
  const at = ctx.homeCommunityId;
  switch (f.kind) {
    case 'registry-error': {
      const e: RegistryError = {
        errorCode: f.errorCode,
        codeContext: f.codeContext ?? `simulated ${f.errorCode} from ${ctx.displayName}`,
        severity: f.severity === 'Error' ? ErrorSeverity.Error : ErrorSeverity.Warning,
        location: at,
      };
      return { items: f.withDocuments ? [...items] : [], errors: [...errors, e] };
    }
    case 'unknown-patient':
      return {
        items: [],
        errors: [
          {
            errorCode: ErrorCode.XDSUnknownPatientId,
            codeContext: `simulated: the patient is not known to ${ctx.displayName}`,
            severity: ErrorSeverity.Error,
            location: at,
          },
        ],
      };
    case 'drop-documents':
      return { items: items.slice(0, Math.floor(items.length * f.keepFraction)), errors: [...errors] };
    case 'status-mismatch':
      return {
        items: [...items],
        errors: [
          ...errors,
          { errorCode: f.errorCode, codeContext: f.codeContext, severity: ErrorSeverity.Error, location: at },
        ],
        status: ResponseStatus.Success,
      };
    case 'missing-home':
    case 'wrong-home':
    case 'drop-slot':
    case 'wrong-slot':
      return { items: [...items], errors: [...errors] };
    case 'registry-error-location':
      return {
        items: [...items],
        errors: errors.map((e) => {
          const { location: _location, ...rest } = e;
          return f.location === undefined ? rest : { ...rest, location: f.location };
        }),
      };
    case 'corrupt-document':
    case 'swap-documents':
    case 'not-part10':
      // Bytes only: applyToRetrieveResponse (contentEffect) changes them.
      return { items: [...items], errors: [...errors] };
    case 'rewrite-error':
      return {
        items: [...items],
        errors: errors.map((e) =>
          f.from !== undefined && e.errorCode !== f.from
            ? e
            : {
                ...e,
                ...(f.errorCode !== undefined ? { errorCode: f.errorCode } : {}),
                ...(f.location !== undefined ? { location: f.location } : {}),
              },
        ),
      };
  }
}

/** `drop-slot` / `wrong-slot` on an ITI-38 registry object (slot-effects.ts). */
function slotEffect(f: ContentFault, o: RegistryObjectXml): RegistryObjectXml {
  if (f.kind === 'drop-slot') return withSlot(o, f.slot, undefined);
  if (f.kind === 'wrong-slot') return withSlot(o, f.slot, f.value);
  return o;
}

/**
 * Remove or replace `home` on a registry object (its field and its XML): the `home` attribute of
 * the object's root element (ITI TF-2 3.38.4.1.2.1), set on the parsed fragment as the broker sets
 * a missing one (soap/xml-fragment.ts `withRootAttribute`).
 */
function homeEffect(f: ContentFault, o: RegistryObjectXml): RegistryObjectXml {
  if (f.kind === 'missing-home') {
    const { home: _home, ...rest } = o;
    return { ...rest, xml: withRootAttribute(o.xml, 'home', undefined) };
  }
  if (f.kind === 'wrong-home') return { ...o, home: f.home, xml: withRootAttribute(o.xml, 'home', f.home) };
  return o;
}
