import type { DeviceEvent } from '../../domain/events/device-event.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { HesCollection, HesCollectScope, HesCommand, HesListener, HesMeter, HesOutcome, HesPort } from '../../ports/hes.port.js';

interface PushItem {
  seq: number;
  source: string;
  readings?: Reading[];
  events?: DeviceEvent[];
}

/**
 * HesPort over HTTP/JSON, for a head-end in another process (the simulator's server, or a real
 * HES behind a small facade speaking the same API). A network error, timeout or 5xx is thrown:
 * the dispatcher treats it as transient and retries under the same commandId.
 */
export class HttpHes implements HesPort {
  private readonly listeners: HesListener[] = [];
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly baseUrl: string, private readonly options: { timeoutMs: number; pollMs: number }) {}

  async execute(command: HesCommand): Promise<HesOutcome> {
    return this.call<HesOutcome>('POST', '/hes/commands', command);
  }

  async readOnDemand(meter: string, readingTypes: string[], start: Date, end: Date): Promise<Reading[]> {
    const r = await this.call<{ readings: Reading[] }>('POST', '/hes/reads', { meter, readingTypes, start: start.toISOString(), end: end.toISOString() });
    return r.readings;
  }

  async provision(meter: HesMeter): Promise<void> {
    const { mRID, ...rest } = meter;
    await this.call('PUT', `/hes/meters/${encodeURIComponent(mRID)}`, rest);
  }

  async remove(mRID: string): Promise<void> {
    await this.call('DELETE', `/hes/meters/${encodeURIComponent(mRID)}`);
  }

  /**
   * Collection on the head-end; what it gathered arrives through the push journal, so the journal
   * is polled once before answering (what the caller counts is then already with the listeners).
   */
  async collect(scope: HesCollectScope): Promise<HesCollection> {
    const r = await this.call<HesCollection>('POST', '/hes/collect', scope);
    if (this.listeners.length > 0) await this.poll();
    return r;
  }

  /** Starts polling the head-end's push journal (load profiles, events). */
  listen(listener: HesListener): void {
    this.listeners.push(listener);
    if (!this.timer && !this.closed) this.schedule(0);
  }

  /** One poll pass now (tests); resolves when what was pending has been handed to the listeners. */
  async poll(): Promise<number> {
    const r = await this.call<{ items: PushItem[] }>('GET', `/hes/pushes?after=${this.cursor}&limit=200`);
    for (const item of r.items) {
      for (const l of this.listeners) {
        if (item.readings?.length) await l.onReadings(item.readings, item.source);
        if (item.events?.length) await l.onEvents(item.events, item.source);
      }
      this.cursor = item.seq;
    }
    return r.items.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.polling = this.poll().then((n) => n, () => 0).then((n) => {
        this.polling = undefined;
        if (!this.closed) this.schedule(n > 0 ? 0 : this.options.pollMs);
      });
    }, delay);
    this.timer.unref();
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      let reason = text;
      try { reason = (JSON.parse(text) as { error?: string }).error ?? text; } catch { /* not JSON */ }
      throw new Error(`head-end ${method} ${path}: HTTP ${res.status} ${reason}`.slice(0, 500));
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
