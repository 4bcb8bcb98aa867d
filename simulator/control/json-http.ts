/**
 * Small JSON-over-HTTP helpers of the control API: reading a JSON request body with every problem
 * reported (wrong Content-Type, bad JSON), and the shape of error answers
 * (`{ error, problems? }`, as toxiproxy's API answers errors in JSON).
 */
import type { Request, Response } from 'express';

/** The body of every 4xx/5xx answer of the control API. */
export interface ControlError {
  /** What kind of problem, e.g. `invalid fault`. */
  error: string;
  /** Every problem found, each `path: message`. */
  problems?: string[];
}

/** Send `status` with a ControlError body. */
export function sendError(res: Response, status: number, error: string, problems?: string[]): void {
  const body: ControlError = problems === undefined ? { error } : { error, problems };
  res.status(status).json(body);
}

/** True for `application/json` and `application/<x>+json` (any parameters). */
function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(media);
}

/**
 * The JSON value of a request whose raw bytes `express.raw` left in `req.body`.
 * @returns the value, or the problems (Content-Type not JSON, empty body, not valid JSON).
 */
export function readJsonBody(req: Request): { ok: true; value: unknown } | { ok: false; problems: string[] } {
  const contentType = req.get('content-type');
  if (!isJsonMediaType(contentType)) {
    return {
      ok: false,
      problems: [
        `Content-Type: expected application/json, got ${contentType === undefined ? 'none' : `'${contentType}'`}`,
      ],
    };
  }
  const raw: unknown = req.body;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  if (text.trim() === '') return { ok: false, problems: ['body: empty; send JSON'] };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, problems: [`body: not valid JSON (${(err as Error).message})`] };
  }
}
