import { replyCodes, type ReplyCode } from './reply-codes.js';

export type ReplyResult = 'OK' | 'PARTIAL' | 'FAILED';
export type ErrorLevel = 'INFORM' | 'WARNING' | 'FATAL' | 'CATASTROPHIC';

export interface ReplyError {
  code: ReplyCode;
  level?: ErrorLevel;
  reason?: string;
  details?: string;
  xpath?: string;
}

export interface Reply {
  result: ReplyResult;
  errors: ReplyError[];
  /** Reply/ID entries, e.g. the ids of created objects. */
  ids?: { value: string; kind?: string; objectType?: string }[];
}

/** An error entry with the table's reason unless a specific one is given. */
export function replyError(code: ReplyCode, more: Omit<ReplyError, 'code'> = {}): ReplyError {
  const level = more.level ?? (code.startsWith('0.') ? 'INFORM' : 'FATAL');
  return { code, level, reason: more.reason ?? replyCodes[code], ...(more.details ? { details: more.details } : {}), ...(more.xpath ? { xpath: more.xpath } : {}) };
}

export const ok = (ids?: Reply['ids']): Reply => ({ result: 'OK', errors: [replyError('0.0')], ...(ids ? { ids } : {}) });

export const failed = (...errors: ReplyError[]): Reply => ({ result: 'FAILED', errors });

/** OK when nothing went wrong, FAILED when nothing went right, PARTIAL otherwise. */
export function combine(succeeded: number, errors: ReplyError[]): Reply {
  if (errors.length === 0) return ok();
  return { result: succeeded > 0 ? 'PARTIAL' : 'FAILED', errors };
}
