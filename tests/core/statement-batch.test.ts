import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatementBatch } from '../../gateway/adapters/postgres/statement-batch.js';

/** A fake statement: records what ran as one call, fails on the item 'bad' (alone or in a batch). */
function fake() {
  const calls: string[][] = [];
  const batch = new StatementBatch<string, string>(async (x) => {
    calls.push([x]);
    if (x === 'bad') throw new Error(`bad item ${x}`);
    return x.toUpperCase();
  }, async (xs) => {
    calls.push(xs);
    if (xs.includes('bad')) throw new Error('batch failed');
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

  it('a batch answering the wrong number of results is not trusted', async () => {
    const batch = new StatementBatch<number, number>(async (x) => x * 2, async () => [1]);
    assert.deepEqual(await Promise.all([1, 2].map((x) => batch.run(x))), [2, 4]);
  });
});
