import type { ReplyError } from './reply.js';

/**
 * A message we cannot even read as a 61968-100 message (not XML, DTD, too deep, wrong root,
 * broken SOAP envelope, wrong media type). Answered with a SOAP Fault or problem+json, never
 * with a Reply, because there is no trustworthy Header to answer.
 */
export class ProtocolRejection extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly where: { line?: number; column?: number; xpath?: string } = {},
    /** The 61968-100 code the sender would have got in a Reply, reported alongside. */
    readonly code: string = '1.8',
  ) {
    super(detail);
    this.name = 'ProtocolRejection';
  }
}

/** A functional failure: answered with a ResponseMessage whose Reply carries these errors. */
export class CimError extends Error {
  readonly errors: ReplyError[];
  constructor(errors: ReplyError | ReplyError[]) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(list.map((e) => `${e.code} ${e.reason ?? ''}`).join('; '));
    this.name = 'CimError';
    this.errors = list;
  }
}
