import express, { type Request, type Response } from 'express';
import { callerOf, requireScope } from '../i8/i8-auth.js';
import { inScope, scopedMeters } from '../i8/data-scope.js';
import { recordRead, type I8Deps } from '../i8/i8-deps.js';
import { ByteWriter } from '../i8/formats/byte-writer.js';
import { chunkedBody } from '../i8/formats/chunked-body.js';
import { csvHeader, ReadingCsvRows, writeCsvRecord, type CsvValue } from '../i8/formats/csv-writer.js';
import { CONTENT_TYPE, negotiate } from '../i8/formats/negotiate.js';
import { EVENT_COLUMNS, eventRecord, INTERRUPTION_COLUMNS, interruptionRecord } from '../i8/formats/event-rows.js';
import { READING_COLUMNS } from '../i8/formats/reading-rows.js';
import { I8Error } from '../i8/i8-error.js';
import { limitParam, oneParam } from '../i8/request-params.js';
import type { ExportWatermarks } from '../ports/export-watermark.port.js';
import { parseReadingWatermark, parseSeqWatermark, readingWatermark, seqWatermark } from './watermark.js';

/** Rows per store call while streaming (memory stays at one chunk whatever `limit` is). */
const CHUNK = 5_000;
export const I7_LIMIT = { default: 100_000, max: 1_000_000 };

/** One I7 resource: a change feed with positions of type P, its CSV columns and rows. */
interface Feed<P, T> {
  resource: 'readings' | 'events' | 'interruptions';
  columns: readonly string[];
  parse(since: string | undefined): P;
  watermark(p: P): string;
  bound(after: P, limit: number, meters: string[] | undefined): Promise<{ end?: P; more: boolean }>;
  read(after: P, upTo: P, limit: number, meters: string[] | undefined): Promise<T[]>;
  position(row: T): P;
  /**
   * Writes the row's CSV record after its changeId (csv-writer.ts). Made once per request, so a
   * writer can keep what rows share (ReadingCsvRows: the meter's head, dates, times).
   */
  writer(usagePointOf: Map<string, string | undefined>): (w: ByteWriter, row: T) => void;
  /** The row's meter and the times it carries, for the caller's consent / supply periods. */
  stamp(row: T): [meter: string, ...times: (number | undefined)[]];
  /** The journal seq of a position (what the client confirms by asking from it). */
  seq(p: P): number;
  /** Whether everything after `after` is still in the journal, given the highest seq pruned (0: none). */
  complete(after: P, horizon: number): boolean;
  /** The watermark to continue from once the history is reloaded, when `after` is too old. */
  restart(horizon: number): string;
  horizon(): Promise<number>;
}

/** An index past the last reading of any journal entry: (seq, END) = "after the whole entry seq". */
const END = 999_999_999;

/**
 * GET /i7/{resource}?since=<watermark>&limit=N: the changes after the watermark, in change order,
 * as streamed CSV. The next watermark is known before the first row (the store bounds the
 * request first), so it travels in the `I7-Watermark` header; `I7-More: true` says the limit cut
 * the answer. Every row also carries its own watermark (`changeId`): after a broken transfer the
 * warehouse resumes from the last row it stored.
 */
function feedRoute<P, T>(deps: I7Deps, feed: Feed<P, T>) {
  return async (req: Request, res: Response) => {
    negotiate(req, ['csv']);
    const since = oneParam(req, 'since');
    const after = feed.parse(since);
    const limit = limitParam(req, I7_LIMIT.default, I7_LIMIT.max);
    const horizon = await feed.horizon();
    if (!feed.complete(after, horizon)) {
      throw new I8Error(410, 'Watermark too old', `changes before ${feed.restart(horizon)} were deleted by the journal's retention (i7.journal.retentionDays): `
        + `reload the history (GET /i8/exports/readings and the I8 resources), then continue with since=${feed.restart(horizon)}`, { horizon: feed.restart(horizon) });
    }
    // The client has stored everything up to `since`: the journal keeps what follows while it is in use.
    await deps.watermarks.confirm(callerOf(res).client.id, feed.resource, feed.seq(after), deps.clock.now());
    const scope = await scopedMeters(callerOf(res).visibility, { meters: [], usagePoints: [] }, deps);
    const meters = scope.unrestricted ? undefined : scope.meters;
    const { end, more } = await feed.bound(after, limit, meters);
    const watermark = feed.watermark(end ?? after);
    res.status(200).type(CONTENT_TYPE.csv).set({ 'I7-Watermark': watermark, 'I7-More': String(more), 'Cache-Control': 'no-store' });
    // One chunk of CSV per store page, written as bytes (same text as csv-stringify: csv-writer.ts).
    const out = chunkedBody(res);
    const write = feed.writer(scope.usagePointOf);
    await out.write(csvHeader(['changeId', ...feed.columns]));
    let rows = 0;
    for (let from = after; end !== undefined && !out.gone;) {
      const page = await feed.read(from, end, CHUNK, meters);
      const w = new ByteWriter(page.length * 110 + 64);
      for (const row of page) {
        // Outside the caller's periods: not sent, though the watermark passes it (it never becomes visible later).
        if (scope.periods && !inScope(scope, ...feed.stamp(row))) continue;
        rows++;
        w.ascii(feed.watermark(feed.position(row)));
        w.byte(COMMA);
        write(w, row);
      }
      await out.write(w.result());
      if (page.length < CHUNK) break;
      from = feed.position(page.at(-1)!);
    }
    const gone = out.gone;
    await out.end();
    await recordRead(deps, res, `i7/${feed.resource}`, { since: since ?? '', watermark, limit, more, ...(gone ? { aborted: true } : {}) }, rows);
  };
}

export type I7Deps = I8Deps & { watermarks: ExportWatermarks };

const COMMA = 0x2c;
/** A feed whose rows are written as generic records (csv-writer.ts's writeCsvRecord). */
const records = <T>(record: (row: T, usagePointOf: Map<string, string | undefined>) => readonly CsvValue[]) =>
  (usagePointOf: Map<string, string | undefined>) => (w: ByteWriter, row: T) => writeCsvRecord(w, record(row, usagePointOf));

/** The I7 incremental export for the data warehouse (scope export:read). */
export function i7Routes(deps: I7Deps): express.Router {
  const router = express.Router();
  const read = requireScope('export:read');
  router.get('/i7/readings', read, feedRoute(deps, {
    resource: 'readings', columns: ['change', ...READING_COLUMNS],
    parse: parseReadingWatermark, watermark: readingWatermark,
    bound: (a, l, m) => deps.readings.changeBound(a, l, m), read: (a, u, l, m) => deps.readings.readChanges(a, u, l, m),
    position: (c) => c.position, stamp: (c) => [c.reading.meter, c.reading.timestamp],
    writer: (up) => {
      const rows = new ReadingCsvRows((meter) => up.get(meter));
      const change = { inserted: Buffer.from('inserted,'), corrected: Buffer.from('corrected,') };
      return (w, c) => {
        w.bytes(change[c.change]);
        rows.reading(w, c.reading);
      };
    },
    seq: (p) => p.seq, horizon: () => deps.readings.changeHorizon(), restart: (h) => readingWatermark({ seq: h, index: END }),
    complete: (a, h) => h === 0 || a.seq > h || (a.seq === h && a.index >= END),
  }));
  router.get('/i7/events', read, feedRoute(deps, {
    resource: 'events', columns: EVENT_COLUMNS,
    parse: (s) => parseSeqWatermark('e', s), watermark: (p) => seqWatermark('e', p),
    bound: (a, l, m) => deps.events.changeBound(a, l, m), read: (a, u, l, m) => deps.events.readChanges(a, u, l, m),
    position: (c) => c.seq, writer: records((c, up) => eventRecord(c.event, up.get(c.event.device))), stamp: (c) => [c.event.device, c.event.createdDateTime],
    // The event table is its own feed and keeps every event: nothing is ever missing.
    seq: (p) => p, horizon: async () => 0, restart: () => seqWatermark('e', 0), complete: () => true,
  }));
  router.get('/i7/interruptions', read, feedRoute(deps, {
    resource: 'interruptions', columns: INTERRUPTION_COLUMNS,
    parse: (s) => parseSeqWatermark('i', s), watermark: (p) => seqWatermark('i', p),
    bound: (a, l, m) => deps.interruptions.changeBound(a, l, m), read: (a, u, l, m) => deps.interruptions.readChanges(a, u, l, m),
    position: (c) => c.seq, writer: records((c) => interruptionRecord(c.interruption)), stamp: (c) => [c.interruption.meter, c.interruption.start, c.interruption.end],
    seq: (p) => p, horizon: () => deps.interruptions.changeHorizon(), restart: (h) => seqWatermark('i', h), complete: (a, h) => a >= h,
  }));
  return router;
}
