import type { Request, Response } from 'express';
import { I8Error } from '../i8-error.js';

export type Format = 'json' | 'csv' | 'xml';

const TYPES: Record<Format, string[]> = { json: ['application/json'], csv: ['text/csv'], xml: ['application/xml', 'text/xml'] };

/** Accept → format (q-values honoured by express); no Accept or `*\/*` is JSON; anything else is 406. */
export function negotiate(req: Request, offered: readonly Format[]): Format {
  const candidates = offered.flatMap((f) => TYPES[f]);
  const chosen = req.accepts(candidates);
  if (!chosen) throw new I8Error(406, 'Not acceptable', `this resource is available as ${candidates.join(', ')}`);
  return offered.find((f) => TYPES[f].includes(chosen))!;
}

export const CONTENT_TYPE: Record<Format, string> = { json: 'application/json', csv: 'text/csv; charset=utf-8', xml: 'application/xml; charset=utf-8' };

/**
 * Sends a whole answer with `end` rather than res.send, which hashes the body for an ETag (on a
 * 0.5 MB page that cost more than building it). An access-controlled, audited answer is not for
 * shared caches anyway, hence no-store instead of validators.
 */
export function sendAnswer(res: Response, format: Format, body: string | Buffer): void {
  // Node's own setters: the values are final (charset included), Express's res.set would parse
  // the content type again on every answer.
  res.statusCode = 200;
  res.setHeader('Content-Type', format === 'json' ? 'application/json; charset=utf-8' : CONTENT_TYPE[format]);
  res.setHeader('Cache-Control', 'no-store');
  // Also for HEAD, which sends no body.
  res.setHeader('Content-Length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
  res.end(body);
}
