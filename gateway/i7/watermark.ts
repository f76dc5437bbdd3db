import type { ChangePosition } from '../ports/reading-store.port.js';
import { badRequest } from '../i8/i8-error.js';

/**
 * I7 watermarks are plain text so a warehouse can keep them in a column: `r<seq>.<index>` for
 * readings (journal entry, reading within it), `e<seq>` for events, `i<seq>` for interruptions.
 * The letter keeps one resource's watermark from being replayed against another.
 */
export const readingWatermark = (p: ChangePosition): string => `r${p.seq}.${p.index}`;
export const seqWatermark = (letter: 'e' | 'i', seq: number): string => `${letter}${seq}`;

export function parseReadingWatermark(v: string | undefined): ChangePosition {
  if (v === undefined || v === '') return { seq: 0, index: 0 };
  const m = /^r(\d{1,15})\.(\d{1,9})$/.exec(v);
  if (!m) throw badRequest(`since must be a readings watermark (I7-Watermark of a previous /i7/readings answer), got '${v}'`);
  return { seq: Number(m[1]), index: Number(m[2]) };
}

export function parseSeqWatermark(letter: 'e' | 'i', v: string | undefined): number {
  if (v === undefined || v === '') return 0;
  const m = new RegExp(`^${letter}(\\d{1,15})$`).exec(v);
  if (!m) throw badRequest(`since must be a watermark of this resource (I7-Watermark of a previous answer), got '${v}'`);
  return Number(m[1]);
}
