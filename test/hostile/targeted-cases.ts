/**
 * The targeted hostile cases: each attack of the sandbox's hostile-input review, rebuilt from the
 * default data pack's values. A case sends one or more requests (each judged by harness.ts `judge`)
 * and may add its own rule (`expect`: what the standard requires beyond "no crash, no hang").
 */
import { gzipSync } from 'node:zlib';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { SoapAction } from '../../simulator/xca/constants.js';
import { findDocuments, retrieve } from '../helpers/requests.js';
import { describeAnswer, type Answer, type HostileRequest, type Target } from './harness.js';
import { DEFAULT_LISTENER_LIMITS } from '../../simulator/shared/listener-limits.js';

/**
 * How long a stalled connection may stay open by default, ms: the listeners' whole-request timeout
 * (docs/limits.md), two of its checks, and 3 s of slack.
 */
const DEFAULT_SLOW_CUT_MS =
  DEFAULT_LISTENER_LIMITS.requestTimeoutMs + 2 * DEFAULT_LISTENER_LIMITS.checkIntervalMs + 3_000;

/** What a case may do: send a request (judged by the oracle) and read the answer. */
export interface CaseContext {
  send(req: HostileRequest): Promise<Answer>;
  /** Open connections that send a head and then nothing; see harness.ts `stall`. */
  stall(
    target: Target,
    head: string,
    limitMs: number,
  ): Promise<{ kind: 'cut' | 'open'; ms: number; firstLine?: string }>;
  /** Audit events not yet delivered to PARS (undefined: the simulator did not say within 5 s). */
  queueDepth(): Promise<number | undefined>;
}

/** One targeted case. */
export interface HostileCase {
  name: string;
  /** A label of the defect the case exposes, shown in the test title and the report when it fails. */
  item: string;
  /** Run the case; resolves with the problems beyond the oracle's (empty: passed). */
  run(ctx: CaseContext): Promise<string[]>;
}

const SOAP_CT = 'application/soap+xml; charset=UTF-8';

/** A SOAP 1.2 POST to a broker endpoint. */
function soap(
  target: Target,
  xml: string | Buffer,
  contentType = SOAP_CT,
  extra: Record<string, string> = {},
): HostileRequest {
  return {
    target,
    headers: { 'content-type': contentType, ...extra },
    body: Buffer.isBuffer(xml) ? xml : Buffer.from(xml, 'utf8'),
  };
}

/** A JSON POST to the control API. */
function controlPost(path: string, body: string | Buffer, contentType = 'application/json'): HostileRequest {
  return {
    target: { control: path },
    headers: { 'content-type': contentType },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
  };
}

/** A query envelope whose env:Body holds `bodyXml` as is. */
function queryEnvelope(bodyXml: string, headersXml = ''): string {
  return buildSoapEnvelope({
    action: SoapAction.CrossGatewayQuery,
    to: 'http://nir.invalid/xca/iti38',
    headersXml,
    bodyXml,
  });
}

/** The answer must be a fault (any 4xx/5xx, which the oracle then checks is a SOAP Fault). */
function mustBeFault(a: Answer, rule: string): string[] {
  if (a.kind === 'answer' && a.status < 400) return [`answered ${describeAnswer(a)}; ${rule}`];
  return [];
}

/** Send and require a fault (`rule` says which standard asks for it). */
function faultCase(name: string, item: string, req: () => HostileRequest, rule: string): HostileCase {
  return { name, item, run: async (ctx) => mustBeFault(await ctx.send(req()), rule) };
}

/** Every targeted case for the default pack. */
export function targetedCases(pack: DataPack): HostileCase[] {
  const patient = pack.manifest.examples.inAllCommunities!;
  const c0 = pack.communities[0]!;
  const find = (opts: Parameters<typeof findDocuments>[1] = {}): string => findDocuments(patient, opts);
  const nested = (depth: number): string => queryEnvelope(`${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`);
  const depthRule = 'a parser depth cap must refuse it with a SOAP Fault env:Sender';

  return [
    faultCase(
      'deep nesting: 30,000 elements in env:Body',
      'XML limits',
      () => soap('ITI-38', nested(30_000)),
      depthRule,
    ),
    faultCase(
      'deep nesting: 10^6 elements in env:Body',
      'XML limits',
      () => soap('ITI-38', nested(1_000_000)),
      depthRule,
    ),
    faultCase(
      '80,000 repeated $XDSDocumentEntryClassCode slots',
      'request caps',
      () =>
        soap(
          'ITI-38',
          underBodyLimit(
            find({
              extraSlots: Array.from({ length: 80_000 }, () => ({
                name: '$XDSDocumentEntryClassCode',
                values: ["('a^^b')"],
              })),
            }),
          ),
        ),
      'a documented slot limit must refuse it (RegistryError or SOAP Fault naming the limit)',
    ),
    {
      name: '100,000 distinct slot names',
      item: 'request caps',
      run: async (ctx) => {
        const a = await ctx.send(
          soap(
            'ITI-38',
            underBodyLimit(
              find({
                extraSlots: Array.from({ length: 100_000 }, (_, i) => ({ name: `$H${i}`, values: ["'x'"] })),
              }),
            ),
          ),
        );
        // A documented limit answers either a SOAP Fault or a Failure with a RegistryError: both pass.
        if (a.kind === 'answer' && a.status === 200 && !a.body.includes('RegistryError'))
          return [`answered ${describeAnswer(a)} without a RegistryError; a slot-count limit must refuse it`];
        return [];
      },
    },
    {
      name: '30,000 DocumentRequests in one ITI-39',
      item: 'request caps',
      run: async (ctx) => {
        const docs = c0.entries.filter((e) => e.mimeType === 'application/pdf');
        const requests = Array.from({ length: 30_000 }, (_, i) => ({
          homeCommunityId: c0.homeCommunityId,
          repositoryUniqueId: c0.repositoryUniqueId,
          documentUniqueId: docs[i % docs.length]!.uniqueId,
        }));
        const a = await ctx.send(soap('ITI-39', underBodyLimit(retrieve(requests))));
        if (a.kind === 'answer' && a.status === 200 && !a.body.includes('RegistryError'))
          return [
            `answered ${describeAnswer(a)} without a RegistryError; a DocumentRequest limit must refuse it`,
          ];
        return [];
      },
    },
    {
      name: 'wsa:MessageID of 2.2 million characters (the audit must still reach PARS)',
      item: 'audit bounds',
      run: async (ctx) => {
        await ctx.send(soap('ITI-38', find({ messageId: `urn:uuid:${'a'.repeat(2_200_000)}` })));
        await ctx.send(soap('ITI-38', find()));
        // Both events must reach PARS (or the oversized one be dead-lettered): the queue drains.
        let depth = await ctx.queueDepth();
        for (let i = 0; i < 40 && depth !== 0; i++) {
          await new Promise((r) => setTimeout(r, 250));
          depth = await ctx.queueDepth();
        }
        return depth === 0
          ? []
          : [
              `the audit queue is stuck at ${String(depth)} events after 10 s: PARS refuses one and nothing behind it is delivered`,
            ];
      },
    },
    {
      name: 'slow headers and stalled bodies are cut (5 + 5 connections)',
      item: 'listener limits',
      run: async (ctx) => {
        const limit = Number(process.env['HOSTILE_SLOW_CUT_MS'] ?? DEFAULT_SLOW_CUT_MS);
        const head = 'POST /xca/iti38 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/soap+xml\r\n';
        const body = `${head}Content-Length: 100000\r\n\r\n<env:Envelope`;
        const results = await Promise.all([
          ...Array.from({ length: 5 }, () => ctx.stall('ITI-38', head, limit)),
          ...Array.from({ length: 5 }, () => ctx.stall('ITI-38', body, limit)),
        ]);
        const open = results.filter((r) => r.kind === 'open').length;
        const odd = results.filter(
          (r) => r.kind === 'cut' && r.firstLine && !/^HTTP\/1\.1 4\d\d /.test(r.firstLine),
        );
        return [
          ...(open > 0
            ? [
                `${open} of 10 stalled connections still open after ${limit} ms (header/body timeouts must cut them)`,
              ]
            : []),
          ...odd.map(
            (r) =>
              `a stalled connection was answered ${JSON.stringify(r.firstLine)}, expected a 4xx or a close`,
          ),
        ];
      },
    },
    {
      name: 'CR/LF in an http-status fault contentType (control API)',
      item: 'fault header values',
      run: async (ctx) => {
        const fault = {
          name: 'hostile-crlf',
          gateway: c0.name,
          kind: 'http-status',
          status: 503,
          contentType: 'text/html\r\nX-Injected: 1',
        };
        const a = await ctx.send(controlPost('/faults', JSON.stringify(fault)));
        const problems: string[] = [];
        if (a.kind === 'answer' && a.status < 400) {
          problems.push(`the control API accepted a header value with CR/LF: ${describeAnswer(a)}`);
          const q = await ctx.send(soap('ITI-38', find()));
          if (q.kind === 'answer' && !q.body.includes('answered HTTP 503'))
            problems.push(`the broker did not report the intended 503 of ${c0.name}: ${describeAnswer(q)}`);
        }
        await ctx.send(controlPost('/reset', ''));
        return problems;
      },
    },
    faultCase(
      'WS-A: a non-anonymous wsa:FaultTo',
      'SOAP, WS-Addressing, XOP',
      () =>
        soap(
          'ITI-38',
          find().replace(
            '</wsa:ReplyTo>',
            '</wsa:ReplyTo><wsa:FaultTo><wsa:Address>http://consumer.invalid/faults</wsa:Address></wsa:FaultTo>',
          ),
        ),
      'WS-Addressing 1.0 SOAP Binding: a synchronous endpoint answers wsa:OnlyAnonymousAddressSupported (env:Sender)',
    ),
    faultCase(
      'SOAP: env:mustUnderstand="yes" on a header block',
      'SOAP, WS-Addressing, XOP',
      () =>
        soap(
          'ITI-38',
          queryEnvelope(
            bodyOf(find()),
            '<h:Hostile xmlns:h="urn:nir-sim:hostile" env:mustUnderstand="yes"/>',
          ),
        ),
      'SOAP 1.2 Part 1 5.2.3: mustUnderstand is xs:boolean ("yes" is not one), and an unknown mandatory header is env:MustUnderstand',
    ),
    faultCase(
      'WS-A: no wsa:MessageID',
      'SOAP, WS-Addressing, XOP',
      () => soap('ITI-38', find().replace(/<wsa:MessageID[^>]*>[^<]*<\/wsa:MessageID>/, '')),
      'WS-Addressing 1.0 SOAP Binding 3.5 / ITI TF-2 V.3: a request expecting a reply needs wsa:MessageID (wsa:MessageAddressingHeaderRequired)',
    ),
    faultCase(
      'SOAP: two children in env:Body',
      'SOAP, WS-Addressing, XOP',
      () => soap('ITI-38', queryEnvelope(`${bodyOf(find())}${bodyOf(find())}`)),
      'ITI TF-2 / XCA: the Body carries exactly one AdhocQueryRequest',
    ),
    faultCase(
      'WS-A: Content-Type action contradicts wsa:Action',
      'SOAP, WS-Addressing, XOP',
      () => soap('ITI-38', find(), `${SOAP_CT}; action="${SoapAction.CrossGatewayRetrieve}"`),
      'WS-Addressing 1.0 SOAP Binding: a mismatch is wsa:ActionMismatch (env:Sender)',
    ),
    faultCase(
      'MTOM: two parts with the same Content-ID',
      'SOAP, WS-Addressing, XOP',
      () => {
        const boundary = 'hostile-boundary';
        const part = (xml: string): string =>
          `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-ID: <root@nir-sim.invalid>\r\n\r\n${xml}\r\n`;
        const body = `${part(find())}${part(find())}--${boundary}--\r\n`;
        return soap(
          'ITI-38',
          body,
          `multipart/related; boundary="${boundary}"; type="application/xop+xml"; start="<root@nir-sim.invalid>"; start-info="application/soap+xml"`,
        );
      },
      'XOP / RFC 2387: Content-IDs are unique within the package',
    ),
    faultCase(
      'XXE: an external entity reading /etc/passwd',
      'held before',
      () =>
        soap(
          'ITI-38',
          find()
            .replace('?>', '?><!DOCTYPE env:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
            .replace('</wsa:To>', '&xxe;</wsa:To>'),
        ),
      'a DOCTYPE is refused (env:Sender)',
    ),
    faultCase(
      'billion laughs',
      'held before',
      () => {
        const ents = [
          '<!ENTITY l0 "lol">',
          ...Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`),
        ];
        return soap(
          'ITI-38',
          find()
            .replace('?>', `?><!DOCTYPE env:Envelope [${ents.join('')}]>`)
            .replace('</wsa:To>', '&l9;</wsa:To>'),
        );
      },
      'a DOCTYPE is refused (env:Sender)',
    ),
    faultCase(
      'gzip bomb: Content-Encoding gzip inflating to 200 MB',
      'held before',
      () =>
        soap('ITI-38', gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20)), SOAP_CT, {
          'content-encoding': 'gzip',
        }),
      'an encoded body is refused or inflated within the body limit',
    ),
    faultCase(
      'oversized body: 50 MB',
      'held before',
      () => {
        const env = find();
        const pad = Buffer.alloc(50 * 1024 * 1024, 0x20);
        return soap(
          'ITI-38',
          Buffer.concat([
            Buffer.from(env.slice(0, -'</env:Envelope>'.length)),
            pad,
            Buffer.from('</env:Envelope>'),
          ]),
        );
      },
      'the body limit refuses it (413, env:Sender)',
    ),
    {
      name: 'malformed control-API JSON (16 bodies)',
      item: 'held before',
      run: async (ctx) => {
        const bodies: [string, string | Buffer, string?][] = [
          ['truncated', '{"name": "x", "gateway": '],
          ['null', 'null'],
          ['array', '[]'],
          ['string', '"timeout"'],
          [
            'huge number',
            '{"name":"x","gateway":"north-east-imaging-network","kind":"latency","latencyMs":1e999}',
          ],
          [
            'negative latency',
            '{"name":"x","gateway":"north-east-imaging-network","kind":"latency","latencyMs":-1}',
          ],
          [
            'prototype pollution',
            '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
          ],
          ['unknown kind', '{"name":"x","gateway":"north-east-imaging-network","kind":"meltdown"}'],
          ['wrong types', '{"name":1,"gateway":[],"kind":{},"probability":"often"}'],
          ['deep nesting', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
          ['1 MB name', JSON.stringify({ name: 'n'.repeat(1024 * 1024), gateway: c0.name, kind: 'timeout' })],
          ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
          [
            'text/plain',
            '{"name":"x","gateway":"north-east-imaging-network","kind":"timeout"}',
            'text/plain',
          ],
          ['duplicate keys', '{"name":"x","name":"y","gateway":"nowhere","kind":"timeout"}'],
          ['NUL in name', '{"name":"a\\u0000b","gateway":"north-east-imaging-network","kind":"timeout"}'],
          ['empty', ''],
        ];
        const problems: string[] = [];
        for (const [label, body, ct] of bodies) {
          const a = await ctx.send(controlPost('/faults', body, ct));
          if (a.kind === 'answer' && a.status >= 500) problems.push(`${label}: ${describeAnswer(a)}`);
        }
        await ctx.send(controlPost('/reset', ''));
        if (({} as Record<string, unknown>)['polluted'] !== undefined)
          problems.push('Object.prototype was polluted');
        return problems;
      },
    },
  ];
}

/** The simulator's default body limit (TopologyDefaults.maxBodyBytes), bytes. */
const BODY_LIMIT = 10 * 1024 * 1024;

/**
 * `xml`, after checking it fits the body limit: a flood case must reach the parser and the
 * handlers, not be refused by the limit as a 50 MB body is.
 * @throws Error when the case itself is too large.
 */
function underBodyLimit(xml: string): string {
  const size = Buffer.byteLength(xml);
  if (size > BODY_LIMIT)
    throw new Error(`the case is ${size} bytes, over the ${BODY_LIMIT}-byte body limit it must stay under`);
  return xml;
}

/** The AdhocQueryRequest element of an envelope built by findDocuments. */
function bodyOf(envelope: string): string {
  const start = envelope.indexOf('<query:AdhocQueryRequest');
  const endTag = '</query:AdhocQueryRequest>';
  const end = envelope.indexOf(endTag);
  if (start < 0 || end < 0) throw new Error('no AdhocQueryRequest in the envelope');
  return envelope.slice(start, end + endTag.length);
}
