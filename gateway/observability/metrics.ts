import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Processed } from '../cim/message-processor.js';
import { ProtocolRejection } from '../cim/errors.js';
import type { Outbox } from '../ports/outbox.port.js';
import { child, children, textAt } from '../xml/xnode.js';

/** Prometheus metrics of one gateway process (prom-client; one registry per gateway, no globals). */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly messages = new Counter({
    name: 'cim_messages_total', help: '61968-100 messages answered, by transport, verb, noun, result and first reply code',
    labelNames: ['transport', 'verb', 'noun', 'result', 'code'], registers: [this.registry],
  });
  private readonly rejections = new Counter({
    name: 'cim_rejections_total', help: 'messages refused before they could be read (SOAP Fault / problem+json), by reason',
    labelNames: ['transport', 'reason'], registers: [this.registry],
  });
  private readonly validationFailures = new Counter({
    name: 'cim_validation_failures_total', help: 'messages failing XSD validation (reply code 1.8)', labelNames: ['noun'], registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'cim_message_duration_seconds', help: 'time to answer a message', labelNames: ['transport', 'verb', 'noun'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [this.registry],
  });

  constructor(outbox: Outbox) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'cim_outbox_entries', help: 'outbox entries by destination and state', labelNames: ['destination', 'state'], registers: [this.registry],
      async collect() {
        this.reset();
        for (const b of await outbox.backlog()) {
          this.set({ destination: b.destination, state: 'pending' }, b.pending);
          this.set({ destination: b.destination, state: 'dead' }, b.dead);
        }
      } });
    new Gauge({ name: 'cim_outbox_oldest_pending_seconds', help: 'age of the oldest pending outbox entry per destination', labelNames: ['destination'], registers: [this.registry],
      async collect() {
        this.reset();
        for (const b of await outbox.backlog()) if (b.oldest) this.set({ destination: b.destination }, (Date.now() - b.oldest.getTime()) / 1000);
      } });
  }

  rejected(transport: string): (reason: string) => void {
    return (reason) => this.rejections.inc({ transport, reason });
  }

  /** Wraps a processor's `process` so every answer and every rejection is counted. */
  observe<I extends { transport: string }>(process: (input: I) => Promise<Processed>): (input: I) => Promise<Processed> {
    return async (input) => {
      const end = this.duration.startTimer({ transport: input.transport });
      try {
        const processed = await process(input);
        const verb = processed.verb ?? '';
        const noun = processed.noun ?? '';
        const code = textAt(children(child(processed.response, 'Reply'), 'Error')[0], 'code') ?? '';
        this.messages.inc({ transport: input.transport, verb, noun, result: processed.result, code });
        if (code === '1.8') this.validationFailures.inc({ noun });
        end({ verb, noun });
        return processed;
      } catch (err) {
        // Rejections are counted where they are answered (the ingress); here only technical failures.
        if (!(err instanceof ProtocolRejection)) this.rejections.inc({ transport: input.transport, reason: 'technical' });
        end({ verb: '', noun: '' });
        throw err;
      }
    };
  }
}
