import type { Request } from 'express';
import { badRequest } from './i8-error.js';

/** A repeatable, comma-separable query parameter: `?meter=a&meter=b` or `?meter=a,b`. */
export function listParam(req: Request, name: string): string[] {
  const v = req.query[name];
  const raw = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return raw.flatMap((x) => (typeof x === 'string' ? x.split(',') : [])).map((s) => s.trim()).filter(Boolean);
}

export function oneParam(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`${name} must be given once`);
  return v;
}

/** ISO 8601 date-time with an offset (a bare local time would depend on the server's zone). */
export function timeParam(req: Request, name: string, required = false): number | undefined {
  const v = oneParam(req, name);
  if (v === undefined) {
    if (required) throw badRequest(`${name} is required (ISO 8601 date-time with offset)`);
    return undefined;
  }
  const t = instant(v);
  if (t === undefined) throw badRequest(instantProblem(name, v));
  return t;
}

/** An ISO 8601 date-time with an offset or Z as epoch ms; undefined when it is not one. */
export function instant(v: string): number | undefined {
  const t = Date.parse(v);
  return /(Z|[+-]\d\d:?\d\d)$/i.test(v) && Number.isFinite(t) ? t : undefined;
}

export const instantProblem = (name: string, v: string): string => `${name} must be an ISO 8601 date-time with an offset or Z, got '${v}'`;

export function limitParam(req: Request, dflt: number, max: number): number {
  const v = oneParam(req, 'limit');
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw badRequest('limit must be a positive integer');
  return Math.min(n, max);
}

export function windowParams(req: Request, required = false): { from?: number; to?: number } {
  const from = timeParam(req, 'from', required);
  const to = timeParam(req, 'to', required);
  if (from !== undefined && to !== undefined && from >= to) throw badRequest('from must be before to');
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}
