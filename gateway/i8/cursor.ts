import { badRequest } from './i8-error.js';

/**
 * Opaque cursors: the keyset position of the last row sent, as base64url JSON tagged with the
 * resource so a readings cursor cannot be replayed against events.
 */
export function encodeCursor(resource: string, position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([resource, ...position])).toString('base64url');
}

export function decodeCursor(resource: string, cursor: string | undefined, shape: readonly ('string' | 'number')[]): (string | number)[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor is not one this API issued');
  }
  if (!Array.isArray(parsed) || parsed[0] !== resource || parsed.length !== shape.length + 1
    || shape.some((t, i) => typeof parsed[i + 1] !== t)) {
    throw badRequest(`cursor is not a ${resource} cursor issued by this API`);
  }
  return parsed.slice(1) as (string | number)[];
}
