import { CimError } from '../../cim/errors.js';
import { replyError } from '../../cim/reply.js';
import { children, text, type XNode } from '../../xml/xnode.js';

/**
 * A continuation is the last mRID of the previous page, base64url-wrapped so peers treat it as
 * opaque (its form may change; they only echo it back in Request/Option name="pageToken").
 */
export const pageToken = (afterMRID: string): string => Buffer.from(`after:${afterMRID}`, 'utf8').toString('base64url');

export interface PageRequest {
  after?: string;
  size: number;
}

/** Reads Request/Option pageToken and pageSize; a token this gateway did not issue, or a bad size, is 2.15. */
export function readPageOptions(request: XNode | undefined, kind: string, limits: { pageSize: number; maxPageSize: number }): PageRequest {
  const options = new Map(children(request, 'Option').map((o) => [text(o, 'name') ?? '', text(o, 'value')]));
  const page: PageRequest = { size: limits.pageSize };
  const token = options.get('pageToken');
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!decoded.startsWith('after:') || pageToken(decoded.slice(6)) !== token) {
      throw new CimError(replyError('2.15', { details: `pageToken ${token} was not issued by this gateway; send the one from the previous reply's Reply/ID kind="pageToken"`, xpath: `/${kind}/Request/Option` }));
    }
    page.after = decoded.slice(6);
  }
  const size = options.get('pageSize');
  if (size !== undefined) {
    const n = Number(size);
    if (!Number.isInteger(n) || n < 1) throw new CimError(replyError('2.15', { details: `pageSize ${size} is not a positive integer`, xpath: `/${kind}/Request/Option` }));
    page.size = Math.min(n, limits.maxPageSize);
  }
  return page;
}
