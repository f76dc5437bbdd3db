import type { Server } from 'node:http';
import express from 'express';
import type { DeviceEvent } from '../../domain/events/device-event.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { HesCollectScope, HesCommand, HesMeter } from '../../ports/hes.port.js';
import { HesSimulator, HesUnavailable } from './hes-simulator.js';

export interface PushItem {
  seq: number;
  source: string;
  readings?: Reading[];
  events?: DeviceEvent[];
}

const JOURNAL_LIMIT = 10_000;

/**
 * The simulator as its own process: the head-end's API over HTTP/JSON (what adapters/hes-http
 * speaks), plus the controls tests use. Pushes (load profiles, events) wait in a bounded journal
 * that the gateway polls with a cursor; the gateway's ingest is idempotent, so re-reading is safe.
 */
export function simulatorApp(sim: HesSimulator): express.Express {
  const journal: PushItem[] = [];
  let seq = 0;
  const add = (item: Omit<PushItem, 'seq'>) => {
    journal.push({ ...item, seq: ++seq });
    if (journal.length > JOURNAL_LIMIT) journal.shift();
  };
  sim.listen({
    onReadings: async (readings, source) => add({ source, readings }),
    onEvents: async (events, source) => add({ source, events }),
  });

  const app = express();
  app.use(express.json({ limit: '16mb' }));
  const guard = (fn: (req: express.Request, res: express.Response) => Promise<unknown>) => (req: express.Request, res: express.Response) => {
    fn(req, res).catch((err: unknown) => {
      const status = err instanceof HesUnavailable ? 503 : 502;
      res.status(status).json({ error: (err as Error).message });
    });
  };

  app.post('/hes/commands', guard(async (req, res) => res.json(await sim.execute(req.body as HesCommand))));
  app.post('/hes/reads', guard(async (req, res) => {
    const b = req.body as { meter: string; readingTypes: string[]; start: string; end: string };
    res.json({ readings: await sim.readOnDemand(b.meter, b.readingTypes ?? [], new Date(b.start), new Date(b.end)) });
  }));
  app.put('/hes/meters/:mRID', guard(async (req, res) => {
    await sim.provision({ ...(req.body as Omit<HesMeter, 'mRID'>), mRID: String(req.params.mRID) });
    res.status(204).end();
  }));
  app.delete('/hes/meters/:mRID', guard(async (req, res) => {
    await sim.remove(String(req.params.mRID));
    res.status(204).end();
  }));
  app.get('/hes/meters/:mRID', (req, res) => {
    const m = sim.meter(String(req.params.mRID));
    if (m) res.json(m);
    else res.status(404).json({ error: 'unknown meter' });
  });
  app.put('/hes/concentrators/:id', (req, res) => {
    sim.configureConcentrator(String(req.params.id), req.body as Record<string, number>);
    res.status(204).end();
  });
  app.get('/hes/pushes', (req, res) => {
    const after = Number(req.query.after ?? 0);
    const limit = Math.min(Number(req.query.limit ?? 100), 1000);
    const items = journal.filter((i) => i.seq > after).slice(0, limit);
    res.json({ items, last: seq });
  });
  app.get('/hes/executions', (_req, res) => res.json(sim.executions()));
  app.get('/hes/stats', (_req, res) => res.json(sim.stats()));
  // A body is a scope (meters, what, readingTypes); none collects from every meter, as the simulator's own cron does.
  app.post('/hes/collect', guard(async (req, res) => res.json(await sim.collect((req.body as HesCollectScope | undefined)?.meters ? req.body as HesCollectScope : undefined))));
  app.post('/hes/supply', guard(async (req, res) => {
    const b = req.body as { meters: string[]; on: boolean };
    res.json({ events: (await sim.setSupply(b.meters, b.on)).length });
  }));
  app.post('/hes/available', (req, res) => {
    sim.setAvailable(Boolean((req.body as { available: boolean }).available));
    res.status(204).end();
  });
  app.get('/healthz', (_req, res) => res.json({ ok: true }));
  return app;
}

export function listenSimulator(sim: HesSimulator, port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve) => {
    const server = simulatorApp(sim).listen(port, host, () => resolve(server));
  });
}
