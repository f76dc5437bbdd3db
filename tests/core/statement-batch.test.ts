import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { RunAlone, StatementBatch } from '../../gateway/adapters/postgres/statement-batch.js';

/** A fake statement: records what ran as one call, fails on the item 'bad' (alone or in a batch). */
function fake() {
  const calls: string[][] = [];
  const batch = new StatementBatch<string, string>(async (x) => {
    calls.push([x]);
    if (x === 'bad') throw new Error(`bad item ${x}`);
    return x.toUpperCase();
  }, async (xs) => {
    calls.push(xs);
    // As the server answers a statement it refused (nothing of it applied).
    if (xs.includes('bad')) throw Object.assign(new pg.DatabaseError('invalid input syntax', 0, 'error'), { code: '22P02' });
    return xs.map((x) => x.toUpperCase());
  }, 3);
  return { calls, batch };
}

describe('StatementBatch (PostgreSQL request-path batching)', () => {
  it('calls of one event-loop turn go as one statement, each caller gets its own result', async () => {
    const { calls, batch } = fake();
    assert.deepEqual(await Promise.all(['a', 'b'].map((x) => batch.run(x))), ['A', 'B']);
    assert.deepEqual(calls, [['a', 'b']]);
  });

  it('a lone call runs the single statement; later turns make batches of their own', async () => {
    const { calls, batch } = fake();
    assert.equal(await batch.run('a'), 'A');
    assert.deepEqual(await Promise.all(['b', 'c'].map((x) => batch.run(x))), ['B', 'C']);
    assert.deepEqual(calls, [['a'], ['b', 'c']]);
  });

  it('splits at maxBatch', async () => {
    const { calls, batch } = fake();
    await Promise.all(['a', 'b', 'c', 'd'].map((x) => batch.run(x)));
    assert.deepEqual(calls, [['a', 'b', 'c'], ['d']]);
  });

  it('a failed batch runs each item alone: only the caller whose item fails sees an error', async () => {
    const { calls, batch } = fake();
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((x) => batch.run(x)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /bad item bad/);
    assert.deepEqual(calls, [['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('a batch answering the wrong number of results is not trusted, nor run again (it ran)', async () => {
    let alone = 0;
    const batch = new StatementBatch<number, number>(async (x) => (alone++, x * 2), async () => [1]);
    const results = await Promise.allSettled([1, 2].map((x) => batch.run(x)));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(alone, 0);
  });

  /** A write that counts how often each item was applied; the batch statement applies, then fails as told. */
  function applying(fail: () => unknown) {
    const applied = new Map<string, number>();
    const apply = (x: string) => applied.set(x, (applied.get(x) ?? 0) + 1);
    const batch = new StatementBatch<string, string>(async (x) => (apply(x), x), async (xs) => {
      xs.forEach(apply);
      throw fail();
    });
    return { applied, batch };
  }

  it('a batch whose connection was lost after the commit is not run again: nothing is applied twice', async () => {
    // What node-postgres reports when the socket closes before ReadyForQuery (the commit may be done).
    const { applied, batch } = applying(() => new Error('Connection terminated unexpectedly'));
    const results = await Promise.allSettled(['a', 'b'].map((x) => batch.run(x)));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /Connection terminated/);
    assert.deepEqual([...applied], [['a', 1], ['b', 1]]);
  });

  it('a backend terminated mid-batch (SQLSTATE class 57) is not run again either', async () => {
    const { applied, batch } = applying(() => Object.assign(new pg.DatabaseError('terminating connection due to administrator command', 0, 'error'), { code: '57P01' }));
    const results = await Promise.allSettled(['a', 'b'].map((x) => batch.run(x)));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.deepEqual([...applied], [['a', 1], ['b', 1]]);
  });

  it('a batch the server refused (deadlock, bad value) runs its items alone, one after the other in call order', async () => {
    const order: string[] = [];
    const batch = new StatementBatch<string, string>(async (x) => {
      order.push(`start ${x}`);
      await new Promise((r) => setTimeout(r, x === 'a' ? 20 : 0));
      order.push(`end ${x}`);
      return x;
    }, async () => {
      throw Object.assign(new pg.DatabaseError('deadlock detected', 0, 'error'), { code: '40P01' });
    });
    assert.deepEqual(await Promise.all(['a', 'b'].map((x) => batch.run(x))), ['a', 'b']);
    assert.deepEqual(order, ['start a', 'end a', 'start b', 'end b']);
  });

  it('RunAlone from `many` (nothing sent) runs the items alone', async () => {
    const batch = new StatementBatch<string, string>(async (x) => x.toUpperCase(), async () => {
      throw new RunAlone('a key twice in one batch');
    });
    assert.deepEqual(await Promise.all(['a', 'a'].map((x) => batch.run(x))), ['A', 'A']);
  });
});
