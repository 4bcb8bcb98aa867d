/**
 * The endpoint table of a running topology, one rule for both runtimes (in-process, containers):
 * the broker's URLs on one of its ports (the XCA face ITI-38/ITI-39/RAD-75 and the MHD face
 * ITI-67/ITI-68/WADO-RS, shared/xca-endpoints.ts and shared/fhir-endpoints.ts), and each
 * community as the broker's directory holds it (CommunityEndpoint: protocol, endpoints, fhirBase)
 * and as `sim status` shows it.
 */
import type { CommunityEndpoint } from '../broker/community-directory.js';
import { FhirPath, mhdEndpoints } from '../shared/fhir-endpoints.js';
import { xcaEndpoints } from '../shared/xca-endpoints.js';
import type { CommunityProtocol, ExternalCommunity } from './topology.js';

/**
 * The broker's transaction URLs on one port: ITI-38, ITI-39 (ITI TF-2 3.38/3.39), RAD-75 (RAD TF-3
 * 4.75), ITI-67 (`{fhirBase}/DocumentReference`, GET; POST `.../_search`), ITI-68
 * (`{fhirBase}/document?homeCommunityId=..&repositoryUniqueId=..&uniqueId=..`) and WADO-RS (the
 * DICOMweb service root: `{WADO-RS}/{homeCommunityId}/studies/{studyInstanceUid}`, DICOM PS3.18 10.4).
 */
export type BrokerEndpoints = {
  'ITI-38': string;
  'ITI-39': string;
  'RAD-75': string;
  'ITI-67': string;
  'ITI-68': string;
  'WADO-RS': string;
};

/** The broker's endpoints and FHIR base (`{url}/fhir`, `GET {fhirBase}/metadata`) under `url` (`http(s)://host:port`). */
export function brokerEndpoints(url: string): { fhirBase: string; endpoints: BrokerEndpoints } {
  const mhd = mhdEndpoints(url);
  return {
    fhirBase: mhd.fhirBase,
    endpoints: {
      ...xcaEndpoints(url),
      'ITI-67': mhd['ITI-67'],
      'ITI-68': mhd['ITI-68'],
      'WADO-RS': url + FhirPath.wadoRs,
    },
  };
}

/**
 * The directory entry of a simulated community whose gateway listens at `url`: XCA, ITI-38/ITI-39/
 * RAD-75 (shared/xca-endpoints.ts); MHD, its FHIR base, ITI-67 and ITI-68 (shared/fhir-endpoints.ts).
 */
export function simulatedCommunityEndpoint(
  c: { name: string; homeCommunityId: string },
  protocol: CommunityProtocol,
  url: string,
): CommunityEndpoint {
  const who = { name: c.name, homeCommunityId: c.homeCommunityId };
  if (protocol === 'xca') return { ...who, protocol: 'xca', endpoints: xcaEndpoints(url) };
  const m = mhdEndpoints(url);
  return {
    ...who,
    protocol: 'mhd',
    fhirBase: m.fhirBase,
    endpoints: { 'ITI-67': m['ITI-67'], 'ITI-68': m['ITI-68'] },
  };
}

/**
 * The directory entry of a supplier's community: XCA at its ITI-38/ITI-39 (and RAD-75) URLs; MHD
 * at its FHIR base (trailing slashes dropped) with ITI-67 at `{fhirBase}/DocumentReference` and no
 * ITI-68 URL (an MHD responder's documents are where each DocumentReference's attachment.url says,
 * IHE MHD 3.68.4.1).
 */
export function externalCommunityEndpoint(e: ExternalCommunity): CommunityEndpoint {
  const who = { name: e.name, homeCommunityId: e.homeCommunityId };
  if (e.protocol === 'mhd') {
    const fhirBase = e.fhirBase.replace(/\/+$/, '');
    const documentReference = FhirPath.documentReference.slice(FhirPath.fhirBase.length);
    return { ...who, protocol: 'mhd', fhirBase, endpoints: { 'ITI-67': fhirBase + documentReference } };
  }
  return {
    ...who,
    protocol: 'xca',
    endpoints: {
      'ITI-38': e.iti38Url,
      'ITI-39': e.iti39Url,
      ...(e.rad75Url !== undefined ? { 'RAD-75': e.rad75Url } : {}),
    },
  };
}

/** What a community view holds whatever it speaks. */
interface CommunityViewCommon {
  name: string;
  homeCommunityId: string;
  kind: 'simulated' | 'external';
}

/** An XCA community as `sim status` shows it: ITI-38, ITI-39, and RAD-75 when it serves imaging. */
export interface XcaCommunityView extends CommunityViewCommon {
  protocol: 'xca';
  endpoints: { 'ITI-38': string; 'ITI-39': string; 'RAD-75'?: string; 'ITI-67'?: never; 'ITI-68'?: never };
}

/**
 * An MHD community as `sim status` shows it: its FHIR base, ITI-67, and ITI-68 when it has a fixed
 * one (a simulated community; a supplier's documents are at their attachment.url).
 */
export interface MhdCommunityView extends CommunityViewCommon {
  protocol: 'mhd';
  fhirBase: string;
  endpoints: { 'ITI-67': string; 'ITI-68'?: string; 'ITI-38'?: never; 'ITI-39'?: never; 'RAD-75'?: never };
}

/**
 * A community as `sim status` and the control API's `GET /topology` show it: name,
 * homeCommunityId, simulated or external, what it speaks and its endpoint URL per transaction.
 */
export type CommunityView = XcaCommunityView | MhdCommunityView;

/**
 * The view of a directory entry (`xca` when the entry does not say).
 * @throws Error when the entry lacks what its protocol needs (XCA: ITI-38 and ITI-39; MHD: fhirBase
 *   and ITI-67): the entries built above always have them.
 */
export function communityView(e: CommunityEndpoint, kind: 'simulated' | 'external'): CommunityView {
  const who = { name: e.name, homeCommunityId: e.homeCommunityId, kind };
  const at = e.endpoints;
  if (e.protocol === 'mhd') {
    if (e.fhirBase === undefined || at['ITI-67'] === undefined)
      throw new Error(`community ${e.name}: an MHD entry needs fhirBase and ITI-67`);
    return {
      ...who,
      protocol: 'mhd',
      fhirBase: e.fhirBase,
      endpoints: {
        'ITI-67': at['ITI-67'],
        ...(at['ITI-68'] !== undefined ? { 'ITI-68': at['ITI-68'] } : {}),
      },
    };
  }
  if (at['ITI-38'] === undefined || at['ITI-39'] === undefined)
    throw new Error(`community ${e.name}: an XCA entry needs ITI-38 and ITI-39`);
  return {
    ...who,
    protocol: 'xca',
    endpoints: {
      'ITI-38': at['ITI-38'],
      'ITI-39': at['ITI-39'],
      ...(at['RAD-75'] !== undefined ? { 'RAD-75': at['RAD-75'] } : {}),
    },
  };
}
