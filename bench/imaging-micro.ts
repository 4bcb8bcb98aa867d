/**
 * The broker's RAD-75 relay alone, without sockets: a community's MTOM answer of `PARTS` DICOM
 * parts, fed to MultipartStreamReader in 57 KB chunks (the size a loopback socket delivers), relayed
 * by relayParts (renamed Content-IDs, Patient ID read) into buildStreamedMtom's body, read and
 * counted. Prints the CPU time per GB of the whole chain (user + system, s/GB), median of ROUNDS.
 * Run: npx tsx bench/imaging-micro.ts FILE.dcm
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { relayParts, type RelayLeg } from '../simulator/broker/imaging-relay.js';
import { silentLogger } from '../simulator/shared/logger.js';
import { MultipartStreamReader } from '../simulator/soap/mtom-stream-reader.js';
import { buildStreamedMtom, mtomLayout, chooseBoundary } from '../simulator/soap/mtom-stream.js';

const PARTS = Number(process.env['PARTS'] ?? 400);
const CHUNK = 57_000;
const ROUNDS = Number(process.env['ROUNDS'] ?? 7);
const dcm = readFileSync(process.argv[2]!);
const layout = mtomLayout(chooseBoundary([dcm]));
const root = Buffer.from('<root/>');
const pieces: Buffer[] = [layout.rootHead, root];
for (let i = 0; i < PARTS; i++) pieces.push(layout.partHead(`p${i}@x`, 'application/dicom'), dcm);
pieces.push(layout.tail);
const body = Buffer.concat(pieces);

async function once(): Promise<number> {
  const chunks = function* () {
    for (let i = 0; i < body.length; i += CHUNK) yield Buffer.from(body.subarray(i, i + CHUNK));
  };
  const source = Readable.from(chunks(), { objectMode: false });
  const reader = new MultipartStreamReader(source, layout.contentType, { idleTimeoutMs: 60_000 });
  await reader.readRoot(1e6);
  const partIds = new Map<Buffer, string>();
  const attachments = [];
  for (let i = 0; i < PARTS; i++) {
    const ph = Buffer.alloc(0);
    partIds.set(ph, `p${i}@x`);
    attachments.push({ contentId: `doc${i}.t@nir-sim.invalid`, contentType: 'application/dicom', body: ph });
  }
  const leg = {
    who: 'community x',
    response: { partIds, parts: { next: () => reader.nextPart(), close: (e?: Error) => reader.close(e) } },
  } as unknown as RelayLeg;
  let patients = 0;
  const parts = relayParts([leg], attachments, silentLogger(), {
    patient: (_c, p) => void (p && patients++),
    end: () => undefined,
  });
  const out = buildStreamedMtom('<r/>', parts).open();
  const c0 = process.cpuUsage();
  let n = 0;
  out.on('data', (b: Buffer) => (n += b.length));
  await finished(out);
  const c = process.cpuUsage(c0);
  parts.close();
  if (patients !== PARTS) throw new Error(`patients ${patients}`);
  return (c.user + c.system) / 1e6 / (n / 1e9);
}

const xs: number[] = [];
for (let r = 0; r < ROUNDS; r++) xs.push(await once());
xs.sort((a, b) => a - b);
console.log(
  `relay chain CPU ${xs[xs.length >> 1]!.toFixed(3)} s/GB (median of ${ROUNDS}; ${xs.map((x) => x.toFixed(2)).join(' ')})`,
);
