/**
 * Which CommunityCodec (community-codec.ts) reaches a community: the one for the protocol it
 * speaks, `CommunityEndpoint.protocol` (absent: `xca`), and which transaction a leg of that codec
 * sends (ITI TF-2 3.38 / 3.39 for `xca`; IHE MHD 4.2.x ITI-67 / ITI-68 for `mhd`).
 */
import type { BrokerTransaction, WireProtocol } from '../events/transaction-events.js';
import { MhdTransaction } from '../shared/fhir-endpoints.js';
import { Transaction } from '../xca/constants.js';
import { xcaCodec } from './community-client.js';
import type { CommunityCodec } from './community-codec.js';
import type { CommunityEndpoint } from './community-directory.js';
import type { LegFailure } from './leg.js';
import { mhdCodec } from './mhd-community-client.js';

/**
 * The codecs the broker has, by protocol: `xca` (community-client.ts) and `mhd`
 * (mhd-community-client.ts). A protocol without one here fails its legs ('unsupported').
 */
const CODECS: Readonly<Partial<Record<WireProtocol, CommunityCodec>>> = {
  xca: xcaCodec,
  mhd: mhdCodec,
};

/** What a community speaks: its `protocol`, `xca` when absent. */
export function protocolOf(community: CommunityEndpoint): WireProtocol {
  return community.protocol ?? 'xca';
}

/**
 * The codec for `community`'s protocol, or the LegFailure of a leg to it (reason `unsupported`,
 * detail `no codec serves protocol <p>`) when the broker has none.
 */
export function codecFor(community: CommunityEndpoint): CommunityCodec | LegFailure {
  const protocol = protocolOf(community);
  return CODECS[protocol] ?? { reason: 'unsupported', detail: `no codec serves protocol ${protocol}` };
}

/** The transaction a leg sends, by protocol and kind: a stored query or a document retrieve. */
const LEG_TRANSACTION: Readonly<Record<WireProtocol, Record<'query' | 'retrieve', BrokerTransaction>>> = {
  xca: { query: Transaction.Iti38, retrieve: Transaction.Iti39 },
  mhd: { query: MhdTransaction.Iti67, retrieve: MhdTransaction.Iti68 },
};

/**
 * The transaction a `kind` leg to a community speaking `protocol` sends (ITI-38, ITI-67, ...);
 * undefined for a protocol the broker does not know (a directory written for a newer broker:
 * its legs fail `unsupported`, they never throw here).
 */
export function legTransaction(
  protocol: WireProtocol,
  kind: 'query' | 'retrieve',
): BrokerTransaction | undefined {
  return (LEG_TRANSACTION as Partial<typeof LEG_TRANSACTION>)[protocol]?.[kind];
}
