import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { NewOutbound, Outbox } from '../../gateway/ports/outbox.port.js';

export interface OutboxFixture {
  outbox: Outbox;
  /** Empties the store between cases. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const entry = (n: number, more: Partial<NewOutbound> = {}): NewOutbound => ({
  kind: 'event', destination: 'http://peer/a', protocol: 'REST', messageId: `m-${n}`, body: `<x n="${n}"/>`, ...more,
});

/** The outbox contract every implementation passes (durable, ordered per key, leased, retried, dead-lettered). */
export function outboxContract(name: string, make: () => Promise<OutboxFixture>): void {
  describe(`outbox contract: ${name}`, () => {
    let f: OutboxFixture;
    const t0 = new Date('2026-11-20T12:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    beforeEach(async () => {
      f ??= await make();
      await f.reset();
    });
    after(() => f?.close());

    it('hands out due entries once per lease', async () => {
      await f.outbox.enqueue(entry(1), t0);
      await f.outbox.enqueue(entry(2), t0);
      const first = await f.outbox.claimDue(at(0), 10, 1000);
      assert.deepEqual(first.map((e) => e.messageId), ['m-1', 'm-2']);
      assert.deepEqual(await f.outbox.claimDue(at(500), 10, 1000), [], 'leased entries are not handed out again');
      assert.equal((await f.outbox.claimDue(at(1500), 10, 1000)).length, 2, 'an expired lease makes them due again');
    });

    it('keeps per-key order: a later entry waits while an earlier one of its key is pending', async () => {
      await f.outbox.enqueue(entry(1, { orderingKey: 'sub1|MTR-1' }), t0);
      await f.outbox.enqueue(entry(2, { orderingKey: 'sub1|MTR-1' }), t0);
      await f.outbox.enqueue(entry(3, { orderingKey: 'sub1|MTR-2' }), t0);
      const due = await f.outbox.claimDue(at(0), 10, 1000);
      assert.deepEqual(due.map((e) => e.messageId), ['m-1', 'm-3']);
      await f.outbox.markFailed(due[0]!.id, 'HTTP 503', at(10_000));
      await f.outbox.markDelivered(due[1]!.id, at(1));
      assert.deepEqual((await f.outbox.claimDue(at(5_000), 10, 1000)).map((e) => e.messageId), [], 'm-2 waits behind the failed m-1');
      const retried = await f.outbox.claimDue(at(10_000), 10, 1000);
      assert.deepEqual(retried.map((e) => e.messageId), ['m-1']);
      await f.outbox.markDelivered(retried[0]!.id, at(10_001));
      assert.deepEqual((await f.outbox.claimDue(at(10_002), 10, 1000)).map((e) => e.messageId), ['m-2']);
    });

    it('records attempts and errors, and keeps dead entries visible with their reason', async () => {
      const id = await f.outbox.enqueue(entry(1, { requestMessageId: 'req-1', correlationId: 'req-1' }), t0);
      await f.outbox.claimDue(at(0), 10, 1000);
      await f.outbox.markFailed(id, 'connection refused', undefined);
      const [dead] = await f.outbox.forRequest('req-1');
      assert.equal(dead!.state, 'dead');
      assert.equal(dead!.attempts, 1);
      assert.equal(dead!.lastError, 'connection refused');
      assert.equal(dead!.correlationId, 'req-1');
      assert.deepEqual(await f.outbox.claimDue(at(100_000), 10, 1000), [], 'dead entries are never retried');
      const [backlog] = await f.outbox.backlog();
      assert.deepEqual({ destination: backlog!.destination, pending: backlog!.pending, dead: backlog!.dead }, { destination: 'http://peer/a', pending: 0, dead: 1 });
    });

    it('keeps the body, protocol and SOAPAction exactly', async () => {
      const body = '<?xml version="1.0"?><m:EventMessage xmlns:m="urn:m">é &amp; ü</m:EventMessage>';
      await f.outbox.enqueue(entry(1, { body, protocol: 'SOAP', soapAction: 'urn:act', kind: 'reply' }), t0);
      const [e] = await f.outbox.claimDue(at(0), 1, 1000);
      assert.equal(e!.body, body);
      assert.equal(e!.protocol, 'SOAP');
      assert.equal(e!.soapAction, 'urn:act');
      assert.equal(e!.kind, 'reply');
    });
  });
}
