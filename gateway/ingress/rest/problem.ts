import type { ProtocolRejection } from '../../cim/errors.js';
import type { HttpAnswer } from '../inbound-xml.js';

export const PROBLEM_TYPE = 'application/problem+json';

/** RFC 9457 problem details; `code`, `line`, `column`, `xpath` are this gateway's extensions. */
export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): HttpAnswer {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return {
    status,
    contentType: PROBLEM_TYPE,
    body: JSON.stringify({ type: `urn:cim-gateway:problem:${slug}`, title, status, detail, ...extra }),
  };
}

export function rejectionProblem(err: ProtocolRejection): HttpAnswer {
  const { line, column, xpath } = err.where;
  return problem(err.status, err.title, err.message, { code: err.code, ...(line ? { line } : {}), ...(column ? { column } : {}), ...(xpath ? { xpath } : {}) });
}
