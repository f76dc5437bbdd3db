import express, { type Request, type Response } from 'express';
import type { ReadingKey, ReadingQuery } from '../../ports/reading-store.port.js';
import { callerOf, requireScope } from '../i8-auth.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { scopedMeters } from '../data-scope.js';
import { recordRead, type I8Deps } from '../i8-deps.js';
import { CONTENT_TYPE, negotiate, sendAnswer } from '../formats/negotiate.js';
import { readingPageJson } from '../formats/reading-json.js';
import { firstReadings, readingCount, readingsOf, type ReadingColumns } from '../../domain/readings/reading-columns.js';
import { ByteWriter } from '../formats/byte-writer.js';
import { csvHeader, ReadingCsvRows } from '../formats/csv-writer.js';
import { chunkedBody } from '../formats/chunked-body.js';
import { READING_COLUMNS, readingsXml } from '../formats/reading-rows.js';
import { limitParam, listParam, oneParam, windowParams } from '../request-params.js';

async function readingScope(deps: I8Deps, req: Request, res: Response, windowRequired: boolean) {
  const named = { meters: listParam(req, 'meter'), usagePoints: listParam(req, 'usagePoint') };
  const readingTypes = listParam(req, 'readingType');
  const window = windowParams(req, windowRequired);
  const scope = await scopedMeters(callerOf(res).visibility, named, deps);
  const query: ReadingQuery = {
    meters: scope.meters, ...(readingTypes.length ? { readingTypes } : {}),
    ...(window.from !== undefined ? { start: new Date(window.from) } : {}), ...(window.to !== undefined ? { end: new Date(window.to) } : {}),
    ...(scope.periods ? { periods: scope.periods } : {}),
  };
  const filters = { ...named, readingTypes, from: window.from && new Date(window.from).toISOString(), to: window.to && new Date(window.to).toISOString() };
  return { scope, query, filters };
}

/** GET /i8/readings (paged, JSON/CSV/XML) and GET /i8/exports/readings (whole range, streamed CSV). */
export function readingsRoutes(deps: I8Deps): express.Router {
  const router = express.Router();
  const { pageSize } = deps.config.i8;

  router.get('/i8/readings', requireScope('readings:read'), async (req, res) => {
    const format = negotiate(req, ['json', 'csv', 'xml']);
    const limit = limitParam(req, pageSize.default, pageSize.max);
    const { scope, query, filters } = await readingScope(deps, req, res, false);
    const pos = decodeCursor('readings', oneParam(req, 'cursor'), ['string', 'string', 'number']);
    const after: ReadingKey | undefined = pos && { meter: pos[0] as string, readingType: pos[1] as string, timestamp: pos[2] as number };
    // One more than asked tells whether a next page exists without a count.
    const fetched = await deps.readings.readColumnsAfter(query, after, limit + 1);
    const more = readingCount(fetched) > limit;
    const page = more ? firstReadings(fetched, limit) : fetched;
    const last = page.at(-1);
    const nextCursor = more && last ? encodeCursor('readings', [last.meter, last.readingType, last.timestamps[last.length - 1]!]) : undefined;
    await recordRead(deps, res, 'i8/readings', { ...filters, cursor: pos !== undefined, format }, readingCount(page));
    if (nextCursor) {
      res.set('I8-Next-Cursor', nextCursor);
      const next = new URL(req.originalUrl, 'http://x');
      next.searchParams.set('cursor', nextCursor);
      res.set('Link', `<${next.pathname}${next.search}>; rel="next"`);
    }
    const up = (meter: string) => scope.usagePointOf.get(meter);
    if (format === 'csv') return sendAnswer(res, format, readingsCsv(page, up));
    if (format === 'xml') return sendAnswer(res, format, readingsXml(readingsOf(page), deps.readingTypes));
    sendAnswer(res, format, readingPageJson(page, up, nextCursor));
  });

  router.get('/i8/exports/readings', requireScope('readings:read'), async (req, res) => {
    negotiate(req, ['csv']);
    const { scope, query, filters } = await readingScope(deps, req, res, true);
    res.status(200).type(CONTENT_TYPE.csv).set('Content-Disposition', 'attachment; filename="readings.csv"');
    const { rows, aborted } = await streamReadingsCsv(deps, query, scope.usagePointOf, res);
    await recordRead(deps, res, 'i8/exports/readings', { ...filters, ...(aborted ? { aborted } : {}) }, rows);
  });
  return router;
}

const CHUNK = 5_000;
const HEADER = csvHeader(READING_COLUMNS);

/** A page of readings as CSV (header and rows), written from the columns. */
function readingsCsv(page: readonly ReadingColumns[], usagePointOf: (meter: string) => string | undefined): Buffer {
  const w = new ByteWriter(readingCount(page) * 100 + HEADER.length);
  w.bytes(HEADER);
  const rows = new ReadingCsvRows(usagePointOf);
  for (const c of page) rows.columns(w, c);
  return w.result();
}

/**
 * Keyset pages of columns through the store, each written as one CSV chunk, honouring
 * back-pressure: memory stays at one page whatever the range. Stops when the client goes away.
 * Returns the rows written and whether the client left before the end.
 */
export async function streamReadingsCsv(deps: Pick<I8Deps, 'readings'>, query: ReadingQuery, usagePointOf: Map<string, string | undefined>, res: Response): Promise<{ rows: number; aborted: boolean }> {
  const out = chunkedBody(res);
  const rows = new ReadingCsvRows((meter) => usagePointOf.get(meter));
  let count = 0;
  let after: ReadingKey | undefined;
  await out.write(HEADER);
  while (!out.gone) {
    const page = await deps.readings.readColumnsAfter(query, after, CHUNK);
    const n = readingCount(page);
    if (n > 0) {
      const w = new ByteWriter(n * 100);
      for (const c of page) rows.columns(w, c);
      await out.write(w.result());
      count += n;
    }
    if (n < CHUNK) break;
    const last = page.at(-1)!;
    after = { meter: last.meter, readingType: last.readingType, timestamp: last.timestamps[last.length - 1]! };
  }
  await out.end();
  return { rows: count, aborted: out.gone };
}
