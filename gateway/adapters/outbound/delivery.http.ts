import type { DeliveryTransport } from '../../ports/delivery.port.js';
import type { OutboundEntry } from '../../ports/outbox.port.js';
import { soapContentType, wrapInEnvelope } from '../../soap/soap-envelope.js';

/** Delivers over HTTP(S): SOAP 1.1 envelopes or bare XML to a REST endpoint; any 2xx is an acknowledgment. */
export class HttpDelivery implements DeliveryTransport {
  constructor(private readonly timeoutMs: number) {}

  async deliver(entry: OutboundEntry): Promise<void> {
    // Never POST an AMQP entry as REST: its endpoint names an exchange, not a URL.
    if (entry.protocol !== 'SOAP' && entry.protocol !== 'REST') throw new Error(`HTTP delivery cannot send a ${entry.protocol} entry (${entry.destination})`);
    const soap = entry.protocol === 'SOAP';
    const body = soap ? wrapInEnvelope(entry.body.replace(/^<\?xml[^>]*>\s*/, ''), '1.1') : entry.body;
    const headers: Record<string, string> = soap
      ? { 'content-type': soapContentType('1.1'), soapaction: `"${entry.soapAction ?? ''}"` }
      : { 'content-type': 'application/xml; charset=utf-8' };
    const res = await fetch(entry.destination, { method: 'POST', body, headers, signal: AbortSignal.timeout(this.timeoutMs) });
    // Drain the body so the connection is reused; its content is the peer's business.
    const answer = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${entry.destination}: ${answer.slice(0, 200)}`);
  }
}
