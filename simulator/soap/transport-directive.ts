/**
 * Transport directives: how the SOAP server delivers an answer when a fault named in the model
 * asks for it (WireMock's split: the model names the fault, the transport carries it out). The
 * handler returns data; delivery.ts, called by the SOAP server only, touches the socket.
 */

/** What the transport does instead of a normal delivery. */
export type TransportDirective =
  /** Accept the request and never answer (the client's deadline decides). */
  | { kind: 'no-response' }
  /** Send `afterBytes` bytes of the encoded answer (0: nothing, not even headers), then reset the TCP connection. */
  | { kind: 'reset'; afterBytes: number }
  /** Send the normal answer at `bytesPerSecond`. */
  | { kind: 'throttle'; bytesPerSecond: number }
  /** Send these bytes with this status and Content-Type instead of the answer. */
  | { kind: 'replace'; status: number; contentType: string; body: Buffer }
  /** Send only the first `fraction` (0..1) of the encoded answer as a complete HTTP body. */
  | { kind: 'truncate'; fraction: number };
