import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { MessageStore } from '../../gateway/ports/message-store.port.js';
import type { Outbox } from '../../gateway/ports/outbox.port.js';

export interface MessageStoreFixture {
  store: MessageStore;
  /** The outbox the store queues replies into (same database, same transactions). */
  outbox: Outbox;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const job = { message: '{"kind":"RequestMessage"}', replyAddress: 'http://mdm/replies', protocol: 'SOAP' as const, typed: false, rewrite: [] as [string, string][] };

/** Idempotency keys and the async inbox: the contract every implementation passes. */
export function messageStoreContract(name: string, make: () => Promise<MessageStoreFixture>): void {
  describe(`message-store contract: ${name}`, () => {
    let f: MessageStoreFixture;
    const t0 = new Date('2026-11-20T12:00:00Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const key = { source: 'MDM', messageId: 'm-1' };
    beforeEach(async () => {
      f ??= await make();
      await f.reset();
    });
    after(() => f?.close());

    it('claims a key once; a repeat sees in-progress, then the stored response', async () => {
      assert.deepEqual(await f.store.claim(key, { verb: 'create', noun: 'X' }, at(0), 60), { state: 'claimed' });
      assert.deepEqual(await f.store.claim(key, { verb: 'create', noun: 'X' }, at(1), 60), { state: 'in-progress' });
      await f.store.complete(key, { message: '{"reply":1}' });
      assert.deepEqual(await f.store.claim(key, { verb: 'create', noun: 'X' }, at(2), 60), { state: 'done', response: { message: '{"reply":1}' } });
      assert.deepEqual(await f.store.claim({ source: 'OMS', messageId: 'm-1' }, { verb: 'create', noun: 'X' }, at(2), 60), { state: 'claimed' }, 'keys are per Source');
    });

    it('lets an abandoned claim be taken over after its lease, and a released one at once', async () => {
      await f.store.claim(key, { verb: 'create', noun: 'X' }, at(0), 60);
      assert.equal((await f.store.claim(key, { verb: 'create', noun: 'X' }, at(61), 60)).state, 'claimed');
      await f.store.release(key);
      assert.equal((await f.store.claim(key, { verb: 'create', noun: 'X' }, at(62), 60)).state, 'claimed');
    });

    it('stores the acknowledgment and the job together, runs the job once per lease, and queues its reply when finished', async () => {
      await f.store.claim(key, { verb: 'create', noun: 'X' }, at(0), 60);
      await f.store.acceptAsync(key, { message: '{"ack":true}' }, job, at(0));
      assert.deepEqual(await f.store.claim(key, { verb: 'create', noun: 'X' }, at(1), 60), { state: 'done', response: { message: '{"ack":true}' } });
      const [j] = await f.store.nextJobs(10, at(1), 30);
      assert.equal(j!.messageId, 'm-1');
      assert.equal(j!.attempts, 1);
      assert.deepEqual(await f.store.nextJobs(10, at(2), 30), [], 'leased');
      await f.store.finishJob(j!.id, { kind: 'reply', destination: job.replyAddress, protocol: 'SOAP', messageId: 'r-1', requestMessageId: 'm-1', body: '<r/>' }, at(3));
      await f.store.finishJob(j!.id, { kind: 'reply', destination: job.replyAddress, protocol: 'SOAP', messageId: 'r-2', requestMessageId: 'm-1', body: '<r/>' }, at(4));
      const replies = await f.outbox.forRequest('m-1');
      assert.deepEqual(replies.map((r) => r.messageId), ['r-1'], 'finishing twice queues one reply');
      const status = await f.store.status('m-1');
      assert.equal(status!.job!.state, 'done');
      assert.equal(status!.state, 'done');
    });

    it('retries a failed job after its lease and marks a final failure', async () => {
      await f.store.claim(key, { verb: 'create', noun: 'X' }, at(0), 60);
      await f.store.acceptAsync(key, { message: '{}' }, job, at(0));
      const [j] = await f.store.nextJobs(10, at(0), 30);
      await f.store.failJob(j!.id, 'HES down', true);
      const [again] = await f.store.nextJobs(10, at(1), 30);
      assert.equal(again!.attempts, 2);
      await f.store.failJob(again!.id, 'HES down for good', false);
      assert.deepEqual(await f.store.nextJobs(10, at(100), 30), []);
      assert.equal((await f.store.status('m-1'))!.job!.lastError, 'HES down for good');
    });

    it('an accepted job survives a restart of the store', async () => {
      await f.store.claim(key, { verb: 'create', noun: 'X' }, at(0), 60);
      await f.store.acceptAsync(key, { message: '{}' }, job, at(0));
      assert.equal((await f.store.nextJobs(10, at(0), 30)).length, 1);
      // A new process sees the lease expire and picks the job up again.
      assert.equal((await f.store.nextJobs(10, at(31), 30)).length, 1);
    });

    it('concurrent claims of one key: exactly one is claimed, the others see it in progress', async () => {
      const claims = await Promise.all(Array.from({ length: 5 }, () => f.store.claim(key, { verb: 'create', noun: 'X' }, at(0), 60)));
      assert.deepEqual(claims.map((c) => c.state).sort(), ['claimed', 'in-progress', 'in-progress', 'in-progress', 'in-progress']);
      const other = { source: 'MDM', messageId: 'm-2' };
      // Writes of different keys made together each take effect: a completion next to a release and a claim.
      await f.store.claim(other, { verb: 'create', noun: 'X' }, at(0), 60);
      await Promise.all([f.store.complete(key, { message: '{"reply":1}' }), f.store.release(other), f.store.claim({ source: 'MDM', messageId: 'm-3' }, { verb: 'create', noun: 'X' }, at(1), 60)]);
      assert.equal((await f.store.claim(key, { verb: 'create', noun: 'X' }, at(2), 60)).state, 'done');
      assert.equal((await f.store.claim(other, { verb: 'create', noun: 'X' }, at(2), 60)).state, 'claimed', 'released');
      assert.equal((await f.store.claim({ source: 'MDM', messageId: 'm-3' }, { verb: 'create', noun: 'X' }, at(2), 60)).state, 'in-progress');
    });
  });
}
