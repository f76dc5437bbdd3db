import type { Response } from 'express';
import { problem } from '../ingress/rest/problem.js';

/** The one error type of I8 routes; the router's error handler turns it into problem+json. */
export class I8Error extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export function sendProblem(res: Response, err: I8Error): void {
  const a = problem(err.status, err.title, err.message, err.extra);
  for (const [k, v] of Object.entries(err.headers)) res.set(k, v);
  res.status(a.status).type(a.contentType).send(a.body);
}

export const badRequest = (detail: string) => new I8Error(400, 'Bad request', detail);
export const forbidden = (detail: string) => new I8Error(403, 'Forbidden', detail);
