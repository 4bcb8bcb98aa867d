/**
 * The broker's `xca` CommunityCodec (broker/community-client.ts) asked for DocumentEntries, as the
 * MHD face asks (ITI-67): against a real responding gateway of the default pack on 127.0.0.1:0,
 * the answer is parsed once with its tree and every ExtrinsicObject is given decoded
 * (ITI TF-3 4.2.3.2), exactly the DocumentEntry its text decodes to; the objects themselves (kind,
 * id, home, text, ids) are the same as without the ask, and the ITI-38 path decodes nothing.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xcaCodec, type LegTransport } from '../../simulator/broker/community-client.js';
import type { CommunityEndpoint } from '../../simulator/broker/community-directory.js';
import type { EbrimObject, FederatedObject } from '../../simulator/broker/federated-object.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import { startRespondingGateway, type RunningGateway } from '../../simulator/gateway/gateway-server.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { xcaEndpoints } from '../../simulator/shared/xca-endpoints.js';
import { parseXml } from '../../simulator/soap/xml.js';
import { HttpAgent } from '../../simulator/transport/http-client.js';
import { EntryStatus, StoredQueryId } from '../../simulator/xca/constants.js';
import { decodeExtrinsicObject } from '../../simulator/xca/document-entry.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import type { AdhocQueryRequest } from '../../simulator/xca/types.js';

const packDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data-packs/default');
const agent = new HttpAgent({ connections: 4 });
const transport: LegTransport = { agent, maxResponseBytes: 8 * 1024 * 1024 };
let store: CommunityData;
let gateway: RunningGateway;
let community: CommunityEndpoint;
let req: AdhocQueryRequest;

beforeAll(async () => {
  const pack = await loadDataPack(packDir);
  store = pack.communities[0]!;
  const nhs = store.entries[0]!.patientId.split('^')[0]!;
  gateway = await startRespondingGateway({
    community: store,
    logger: silentLogger(),
    maxBodyBytes: 1024 * 1024,
    host: '127.0.0.1',
    port: 0,
    clock: systemClock,
  });
  community = {
    name: store.name,
    homeCommunityId: store.homeCommunityId,
    endpoints: xcaEndpoints(gateway.url),
  };
  req = {
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.FindDocuments,
    slots: [
      { name: '$XDSDocumentEntryPatientId', values: [`'${nhsNumberToCx(nhs)}'`] },
      {
        name: '$XDSDocumentEntryStatus',
        values: [`('${EntryStatus.Approved}','${EntryStatus.Deprecated}')`],
      },
    ],
  };
});

afterAll(async () => {
  await gateway.stop();
  await agent.close();
});

const ebrimOnly = (objects: FederatedObject[]): EbrimObject[] =>
  objects.map((o) => {
    if (o.form !== 'ebrim') throw new Error(`an ${o.form} object from an XCA leg`);
    return o;
  });

describe('xca codec: DocumentEntries from the leg parse', () => {
  it('gives every ExtrinsicObject decoded, equal to decoding its text, and the same objects as ITI-38', async () => {
    const signal = new AbortController().signal;
    const plain = await xcaCodec.query(community, req, signal, transport);
    const asked = await xcaCodec.query(community, req, signal, transport, { documentEntries: true });
    const a = ebrimOnly(plain.value.objects);
    const b = ebrimOnly(asked.value.objects);
    const mine = store.entries.filter((e) => e.patientId === store.entries[0]!.patientId);
    expect(mine.length).toBeGreaterThan(0);
    expect(a.map((o) => o.object.kind)).toEqual(mine.map(() => 'ExtrinsicObject'));
    // ITI-38: the objects as sent, nothing decoded.
    expect(a.every((o) => o.decoded === undefined)).toBe(true);
    // The same objects either way, text for text.
    expect(b.map((o) => o.object)).toEqual(a.map((o) => o.object));
    expect(asked.value.errors).toEqual(plain.value.errors);
    for (const o of b) {
      const fromText = decodeExtrinsicObject(parseXml(o.object.xml).documentElement!);
      expect(o.decoded, o.object.id).toEqual({ entry: fromText });
    }
    // And they are the community's own entries.
    const byId = new Map(mine.map((e) => [e.entryUUID, e]));
    for (const o of b) expect(o.decoded).toEqual({ entry: byId.get(o.object.id) });
  });
});
