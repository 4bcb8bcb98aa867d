/**
 * The limits every listener of the sim applies (broker sandbox and integration ports, simulated
 * gateways, control API, PARS), from this one place (docs/limits.md). They bound what a slow or
 * greedy client can hold: a request whose headers are not complete within `headersTimeoutMs`, or
 * whose body is not complete within `requestTimeoutMs` of its start, is answered 408 and its
 * connection closed (Node `server.headersTimeout` / `server.requestTimeout`, checked every
 * `checkIntervalMs`); an idle keep-alive connection is closed after `keepAliveTimeoutMs`; past
 * `maxConnections` open connections a new one is closed at once (Node `server.maxConnections`).
 */
import type { Server } from 'node:http';
import type { ServerOptions } from 'node:http';

/** Limits of one listener. All times in ms. */
export interface ListenerLimits {
  /** Complete request headers within this time of the connection's request start. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) within this time; >= headersTimeoutMs. */
  requestTimeoutMs: number;
  /** Idle time after a response before a keep-alive connection is closed. */
  keepAliveTimeoutMs: number;
  /** Open connections at once; more are closed as they arrive. */
  maxConnections: number;
  /** How often the two request timeouts are checked (their granularity). */
  checkIntervalMs: number;
}

/**
 * Defaults suited to a broker: headers in 10 s and a 10 MiB body in 60 s (about 1.4 Mbit/s at the
 * least), idle keep-alive connections kept 5 s, 1,024 connections per listener (above the 256
 * concurrent consumers of `npm run bench` plus the broker's own leg connections).
 */
export const DEFAULT_LISTENER_LIMITS: ListenerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_024,
  checkIntervalMs: 1_000,
};

/** @throws RangeError when a value is not a positive integer or headers outlast the request. */
function checked(l: ListenerLimits): ListenerLimits {
  for (const [k, v] of Object.entries(l))
    if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${k} must be an integer >= 1`);
  if (l.headersTimeoutMs > l.requestTimeoutMs)
    throw new RangeError('headersTimeoutMs must not exceed requestTimeoutMs');
  return l;
}

/** Options for `http.createServer` / `https.createServer` carrying `limits` (the timeouts). */
export function listenerServerOptions(limits: Partial<ListenerLimits> = {}): ServerOptions {
  const l = checked({ ...DEFAULT_LISTENER_LIMITS, ...limits });
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: l.checkIntervalMs,
  };
}

/** Set the limits that are properties of a created server (keep-alive, connection cap). */
export function applyListenerLimits(server: Server, limits: Partial<ListenerLimits> = {}): void {
  const l = checked({ ...DEFAULT_LISTENER_LIMITS, ...limits });
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxConnections = l.maxConnections;
}
