/**
 * Seeded structural mutations of real requests: the public reference ITI-38 / ITI-39 / RAD-75
 * requests under ../shared/reference/examples (placeholders filled with default-pack values,
 * body fragments wrapped in an envelope, MTOM captures reduced to their root envelope) and the
 * project's own example requests. Each mutation applies one to three operators: delete, duplicate
 * or swap elements; delete or duplicate attributes; move an element to another namespace; inject
 * huge or invalid text; truncate; flip the encoding. The same seed gives the same requests.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { mulberry32 } from '../../simulator/faults/prng.js';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import { SoapAction } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { sendableReferenceRequests } from '../fixtures/reference-requests.js';
import {
  fillPlaceholders,
  mtomRootPart,
  readReference,
  readReferenceBytes,
  wrapInSoapEnvelope,
} from '../helpers/reference.js';
import { referenceDir } from '../helpers/repo-root.js';
import { findDocuments, getDocuments, retrieve } from '../helpers/requests.js';
import { rad75Envelope, wholeStudyRequest } from '../helpers/imaging-fixtures.js';
import type { HostileRequest } from './harness.js';

/** A request to mutate: where it came from, where it goes, its envelope text. */
export interface SeedRequest {
  source: string;
  target: 'ITI-38' | 'ITI-39' | 'RAD-75';
  xml: string;
}

/** One mutated request, named so that a failure can be reproduced (seed + index). */
interface Mutation {
  id: string;
  source: string;
  operators: string[];
  request: HostileRequest;
}

/** The project's own example requests for the default pack. */
export function ownRequests(pack: DataPack): SeedRequest[] {
  const nhs = pack.manifest.examples.inAllCommunities!;
  const c = pack.communities[0]!;
  const mine = c.entries.filter((e) => e.patientId.startsWith(`${nhs}^`));
  const study = pack.communities.find((x) => x.imaging.length > 0)!;
  return [
    { source: 'own: FindDocuments', target: 'ITI-38', xml: findDocuments(nhs) },
    {
      source: 'own: FindDocuments ObjectRef',
      target: 'ITI-38',
      xml: findDocuments(nhs, { returnType: 'ObjectRef' }),
    },
    {
      source: 'own: GetDocuments',
      target: 'ITI-38',
      xml: getDocuments(
        mine.slice(0, 2).map((e) => e.uniqueId),
        c.homeCommunityId,
      ),
    },
    {
      source: 'own: RetrieveDocumentSet',
      target: 'ITI-39',
      xml: retrieve(
        mine.slice(0, 2).map((e) => ({
          homeCommunityId: c.homeCommunityId,
          repositoryUniqueId: c.repositoryUniqueId,
          documentUniqueId: e.uniqueId,
        })),
      ),
    },
    { source: 'own: RAD-75 whole study', target: 'RAD-75', xml: rad75Envelope(wholeStudyRequest(study, 0)) },
  ];
}

/** True when ../shared/reference is there. */
export function referencePresent(): boolean {
  try {
    readdirSync(path.join(referenceDir, 'examples'));
    return true;
  } catch {
    return false;
  }
}

/** The public reference requests, sendable to the broker (see test/fixtures/reference-requests.ts). */
export function referenceRequests(pack: DataPack): SeedRequest[] {
  const nhs = pack.manifest.examples.inAllCommunities!;
  const c = pack.communities[0]!;
  const mine = c.entries.filter((e) => e.patientId.startsWith(`${nhs}^`));
  const values: Record<string, string> = {
    patient_id: nhsNumberToCx(nhs),
    home: c.homeCommunityId,
    repositoryuid: c.repositoryUniqueId,
    docuid: mine[0]!.uniqueId,
    docuid1: mine[0]!.uniqueId,
    docuid2: mine[1]!.uniqueId,
    doc_uuid_1: mine[0]!.entryUUID,
    doc_uuid_2: mine[1]!.entryUUID,
    refId0: mine[0]!.referenceIdList[0]!,
    refId1: mine[0]!.referenceIdList[1]!,
    refId2: mine[1]!.referenceIdList[0]!,
  };
  const out: SeedRequest[] = [];
  for (const r of sendableReferenceRequests()) {
    let xml: string;
    if (r.form === 'mtom') xml = mtomRootPart(readReferenceBytes(r.path)).xml.toString('utf8');
    else {
      xml = readReference(r.path);
      if (r.placeholders.length > 0) xml = fillPlaceholders(xml, values);
      if (r.form === 'body') xml = wrapInSoapEnvelope(xml);
    }
    out.push({ source: r.path, target: r.transaction, xml });
  }
  const rad75 = path.join(referenceDir, 'examples', 'RAD-75');
  const bodies = [
    ...readdirSync(rad75).filter((f) => f.endsWith('RAD-75-request-body.xml')),
    ...readdirSync(path.join(rad75, 'initiating-imaging-gateway'))
      .filter((f) => /expected-RAD-75-request/.test(f))
      .map((f) => `initiating-imaging-gateway/${f}`),
  ];
  for (const f of bodies.sort()) {
    const rel = `examples/RAD-75/${f}`;
    out.push({
      source: rel,
      target: 'RAD-75',
      xml: wrapInSoapEnvelope(readReference(rel), {
        action: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
      }),
    });
  }
  return out;
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

const HOSTILE_NS = ['urn:nir-sim:hostile', 'http://schemas.xmlsoap.org/soap/envelope/', ''];
const INVALID_TEXT = [
  '\u0000',
  '\u0001',
  '\uFFFE',
  '\uD800',
  ']]>',
  '&',
  '<',
  '&#0;',
  '&#xD800;',
  '&undefined;',
  '\u202E',
  '\r\n\r\n',
];

function elements(doc: Document): Element[] {
  const out: Element[] = [];
  const walk = (e: Element): void => {
    out.push(e);
    for (let n = e.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) walk(n as Element);
  };
  if (doc.documentElement) walk(doc.documentElement);
  return out;
}

/** DOM operators: each returns its name, or undefined when it found nothing to act on. */
const DOM_OPERATORS: ((doc: Document, rng: Rng) => string | undefined)[] = [
  (doc, rng) => {
    const e = pick(rng, elements(doc).slice(1));
    if (!e?.parentNode) return undefined;
    e.parentNode.removeChild(e);
    return `delete <${e.tagName}>`;
  },
  (doc, rng) => {
    const e = pick(rng, elements(doc).slice(1));
    if (!e?.parentNode) return undefined;
    const times = rng() < 0.8 ? 1 : 1 + Math.floor(rng() * 200);
    for (let i = 0; i < times; i++) e.parentNode.insertBefore(e.cloneNode(true), e.nextSibling);
    return `duplicate <${e.tagName}> x${times}`;
  },
  (doc, rng) => {
    const parents = elements(doc).filter((e) => elementChildren(e).length >= 2);
    if (parents.length === 0) return undefined;
    const kids = elementChildren(pick(rng, parents));
    const a = pick(rng, kids);
    const b = pick(rng, kids);
    if (a === b) return undefined;
    const marker = doc.createTextNode('');
    a.parentNode!.replaceChild(marker, a);
    b.parentNode!.replaceChild(a, b);
    marker.parentNode!.replaceChild(b, marker);
    return `swap <${a.tagName}> <${b.tagName}>`;
  },
  (doc, rng) => {
    const withAttrs = elements(doc).filter((e) => e.attributes.length > 0);
    if (withAttrs.length === 0) return undefined;
    const e = pick(rng, withAttrs);
    const a = e.attributes.item(Math.floor(rng() * e.attributes.length))!;
    e.removeAttributeNode(a);
    return `delete @${a.name} of <${e.tagName}>`;
  },
  (doc, rng) => {
    const e = pick(rng, elements(doc));
    if (!e) return undefined;
    const ns = pick(rng, HOSTILE_NS);
    const local = e.localName ?? e.tagName;
    const moved = ns === '' ? doc.createElementNS(null, local) : doc.createElementNS(ns, `h:${local}`);
    while (e.firstChild) moved.appendChild(e.firstChild);
    for (let i = 0; i < e.attributes.length; i++) {
      const a = e.attributes.item(i)!;
      moved.setAttributeNS(a.namespaceURI, a.name, a.value);
    }
    if (e.parentNode) e.parentNode.replaceChild(moved, e);
    else return undefined;
    return `<${e.tagName}> to namespace "${ns}"`;
  },
  (doc, rng) => {
    const e = pick(rng, elements(doc));
    if (!e) return undefined;
    const size = Math.floor(10_000 + rng() * 1_000_000);
    const unit = pick(rng, ['A', 'é', '\u4e2d', '\u{1F600}', "'", ' ']);
    e.appendChild(doc.createTextNode(unit.repeat(Math.ceil(size / unit.length))));
    return `${size} x ${JSON.stringify(unit)} of text in <${e.tagName}>`;
  },
];

function elementChildren(e: Element): Element[] {
  const out: Element[] = [];
  for (let n = e.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

/** Text operators, on the serialised message. */
const TEXT_OPERATORS: ((xml: string, rng: Rng) => [string, string])[] = [
  (xml, rng) => {
    const at = Math.floor(rng() * xml.length);
    return [xml.slice(0, at), `truncate at ${at} of ${xml.length}`];
  },
  (xml, rng) => {
    const attrs = [...xml.matchAll(/\s[\w:.-]+="[^"]*"/g)];
    if (attrs.length === 0) return [xml, 'no attribute to duplicate'];
    const m = pick(rng, attrs);
    const at = m.index + m[0].length;
    return [`${xml.slice(0, at)}${m[0]}${xml.slice(at)}`, `duplicate attribute${m[0].split('=')[0]}`];
  },
  (xml, rng) => {
    const gaps = [...xml.matchAll(/>[^<]*</g)];
    const m = gaps.length > 0 ? pick(rng, gaps) : undefined;
    const at = m ? m.index + 1 : Math.floor(rng() * xml.length);
    const bad = pick(rng, INVALID_TEXT);
    return [`${xml.slice(0, at)}${bad}${xml.slice(at)}`, `invalid text ${JSON.stringify(bad)} at ${at}`];
  },
];

/** Encoding operators: the bytes sent and the Content-Type charset, from the message text. */
const ENCODINGS: [string, (xml: string) => { body: Buffer; charset: string }][] = [
  [
    'UTF-16LE with BOM, declared UTF-8',
    (x) => ({
      body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(x, 'utf16le')]),
      charset: 'UTF-8',
    }),
  ],
  ['UTF-16LE without BOM', (x) => ({ body: Buffer.from(x, 'utf16le'), charset: 'UTF-16' })],
  [
    'UTF-8 with BOM',
    (x) => ({
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(x, 'utf8')]),
      charset: 'UTF-8',
    }),
  ],
  [
    'latin1 bytes, declared UTF-8',
    (x) => ({ body: Buffer.from(`${x}<!--\u00e9\u00ff-->`, 'latin1'), charset: 'UTF-8' }),
  ],
  [
    'declared ISO-8859-1, sent UTF-8',
    (x) => ({
      body: Buffer.from(x.replace(/encoding="[^"]*"/, 'encoding="ISO-8859-1"'), 'utf8'),
      charset: 'ISO-8859-1',
    }),
  ],
  [
    'declared UTF-16, sent UTF-8',
    (x) => ({
      body: Buffer.from(x.replace(/encoding="[^"]*"/, 'encoding="UTF-16"'), 'utf8'),
      charset: 'UTF-16',
    }),
  ],
  ['charset EBCDIC', (x) => ({ body: Buffer.from(x, 'utf8'), charset: 'IBM037' })],
  [
    'invalid UTF-8 bytes',
    (x) => ({
      body: Buffer.concat([
        Buffer.from(x.slice(0, x.length >> 1), 'utf8'),
        Buffer.from([0xc3, 0x28, 0xf8, 0x80]),
        Buffer.from(x.slice(x.length >> 1), 'utf8'),
      ]),
      charset: 'UTF-8',
    }),
  ],
];

/**
 * `count` mutated requests from `seeds`, deterministic for `seed`. Each applies one to three
 * operators: DOM operators first (when the seed parses), then at most one text operator, then at
 * most one encoding flip (one case in five).
 */
export function mutations(seeds: readonly SeedRequest[], count: number, seed: number): Mutation[] {
  const rng = mulberry32(seed);
  const out: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const s = pick(rng, seeds);
    const operators: string[] = [];
    let xml = s.xml;
    const n = 1 + Math.floor(rng() * 3);
    let doc: Document | undefined;
    try {
      doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'application/xml');
    } catch {
      doc = undefined;
    }
    for (let k = 0; k < n; k++) {
      if (doc?.documentElement && rng() < 0.7) {
        const name = pick(rng, DOM_OPERATORS)(doc, rng);
        if (name) operators.push(name);
      } else {
        if (doc?.documentElement) xml = new XMLSerializer().serializeToString(doc);
        doc = undefined;
        const [next, name] = pick(rng, TEXT_OPERATORS)(xml, rng);
        xml = next;
        operators.push(name);
      }
    }
    if (doc?.documentElement) xml = new XMLSerializer().serializeToString(doc);
    let body: Buffer = Buffer.from(xml, 'utf8');
    let charset = 'UTF-8';
    if (rng() < 0.2) {
      const [name, flip] = pick(rng, ENCODINGS);
      ({ body, charset } = flip(xml));
      operators.push(name);
    }
    out.push({
      id: `mutation ${i} of seed ${seed}`,
      source: s.source,
      operators,
      request: {
        target: s.target,
        headers: { 'content-type': `application/soap+xml; charset=${charset}` },
        body,
      },
    });
  }
  return out;
}
