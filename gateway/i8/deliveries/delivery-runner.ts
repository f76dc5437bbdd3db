import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import { stringify } from 'csv-stringify/sync';
import type { DeliveryJob, DeliveryJobStore, DeliveryRun } from '../../ports/delivery-job.port.js';
import { inScope, scopedMeters, visibilityOf } from '../data-scope.js';
import type { I8Deps } from '../i8-deps.js';
import { EVENT_COLUMNS, eventItem, eventRecord, eventsXml, INTERRUPTION_COLUMNS, interruptionItem, interruptionRecord } from '../formats/event-rows.js';
import { READING_COLUMNS, readingItem, readingRecord, readingsXml } from '../formats/reading-rows.js';
import type { Interruption } from '../../domain/outages/interruption.js';

/** How a webhook body leaves the gateway (tests may substitute; default fetch with a timeout). */
export type WebhookSend = (url: string, body: string, contentType: string, headers: Record<string, string>) => Promise<number>;

export const fetchSend = (timeoutMs: number): WebhookSend => async (url, body, contentType, headers) => {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType, ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.status;
};

export const nextRun = (job: Pick<DeliveryJob, 'cron' | 'timeZone'>, after: Date): Date | undefined =>
  new Cron(job.cron, { timezone: job.timeZone, paused: true }).nextRun(after) ?? undefined;

const CONTENT = { csv: 'text/csv; charset=utf-8', json: 'application/json', xml: 'application/xml; charset=utf-8' } as const;

/**
 * One pass of the scheduler: due jobs get a run (and their next time from the cron in their own
 * zone), runnable runs execute the job's query with the client's scope as of now (a revoked
 * consent stops deliveries too) and deliver; failures retry with exponential backoff, then fail.
 * The clock is injected: tests drive it instead of waiting for cron.
 */
export function deliveryTick(deps: I8Deps & { jobs: DeliveryJobStore; send: WebhookSend; folder: string }) {
  const cfg = deps.config.i8.deliveries;
  return async (): Promise<number> => {
    const now = deps.clock.now();
    for (const job of await deps.jobs.due(now)) {
      await deps.jobs.addRun(job.id, job.nextRunAt!);
      await deps.jobs.setNextRun(job.id, nextRun(job, now));
    }
    let done = 0;
    for (const run of await deps.jobs.runnable(now)) {
      const job = await deps.jobs.get(run.jobId);
      const updated: DeliveryRun = { ...run, attempts: run.attempts + 1 };
      try {
        if (!job) throw new Error('job deleted before its run');
        const { body, rows, format } = await render(deps, job, run.scheduledFor);
        updated.rows = rows;
        if (job.target.kind === 'webhook') {
          const status = await deps.send(job.target.url, body, CONTENT[format], { 'I8-Job': job.id, 'I8-Run': String(run.id), 'I8-Scheduled-For': run.scheduledFor.toISOString() });
          if (status < 200 || status >= 300) throw new Error(`webhook answered ${status}`);
        } else {
          const dir = path.join(deps.folder, job.clientId);
          mkdirSync(dir, { recursive: true });
          const name = `${job.id}-${run.scheduledFor.toISOString().replace(/[:.]/g, '-')}.${format}`;
          writeFileSync(path.join(dir, name), body);
          updated.location = `${job.clientId}/${name}`;
        }
        Object.assign(updated, { state: 'delivered', deliveredAt: deps.clock.now() });
        delete updated.lastError;
        done++;
      } catch (err) {
        updated.lastError = (err as Error).message;
        if (!job || updated.attempts >= cfg.maxAttempts) updated.state = 'failed';
        else updated.nextAttemptAt = new Date(now.getTime() + cfg.retryBaseMs * 2 ** (updated.attempts - 1));
      }
      await deps.jobs.updateRun(updated);
    }
    return done;
  };
}

async function render(deps: I8Deps, job: DeliveryJob, at: Date): Promise<{ body: string; rows: number; format: 'json' | 'csv' | 'xml' }> {
  const client = await deps.clients.get(job.clientId);
  if (!client || client.disabled) throw new Error(`client ${job.clientId} is not (or no longer) registered`);
  const q = job.query;
  const scope = await scopedMeters(await visibilityOf(client, deps.consents, deps.clock.now()), { meters: q.meter ?? [], usagePoints: q.usagePoint ?? [] }, deps);
  const to = at.getTime();
  const from = to - (q.lookbackMinutes ?? 24 * 60) * 60_000;
  const format = q.format ?? 'csv';
  const up = (m: string) => scope.usagePointOf.get(m);
  if (q.resource === 'readings') {
    const query = { meters: scope.meters, ...(q.readingType?.length ? { readingTypes: q.readingType } : {}), start: new Date(from), end: new Date(to), ...(scope.periods ? { periods: scope.periods } : {}) };
    const list = await deps.readings.read(query, { offset: 0, limit: Number.MAX_SAFE_INTEGER });
    const body = format === 'csv' ? stringify(list.map((r) => readingRecord(r, up(r.meter))), { header: true, columns: [...READING_COLUMNS] })
      : format === 'xml' ? readingsXml(list, deps.readingTypes) : JSON.stringify({ items: list.map((r) => readingItem(r, up(r.meter))) });
    return { body, rows: list.length, format };
  }
  if (q.resource === 'events') {
    const list = scope.unrestricted || scope.meters.length ? await deps.events.query({
      ...(scope.unrestricted ? {} : { devices: scope.meters }), ...(q.eventType?.length ? { eventTypes: q.eventType } : {}), ...(scope.periods ? { periods: scope.periods } : {}),
      from: from + 1, to, limit: deps.config.i8.pageSize.max,
    }) : [];
    const body = format === 'csv' ? stringify(list.map((e) => eventRecord(e, up(e.device))), { header: true, columns: [...EVENT_COLUMNS] })
      : format === 'xml' ? eventsXml(list) : JSON.stringify({ items: list.map((e) => eventItem(e, up(e.device))) });
    return { body, rows: list.length, format };
  }
  const visible = new Set(scope.meters);
  const list = (await deps.interruptions.interruptions({ from, to }))
    .filter((i): i is Interruption & { id: number } => i.id !== undefined && (scope.unrestricted || (visible.has(i.meter) && inScope(scope, i.meter, i.start, i.end))));
  const body = format === 'csv' ? stringify(list.map(interruptionRecord), { header: true, columns: [...INTERRUPTION_COLUMNS] }) : JSON.stringify({ items: list.map(interruptionItem) });
  return { body, rows: list.length, format: format === 'xml' ? 'json' : format };
}
