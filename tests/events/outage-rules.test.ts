import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, type Interruption, type Outage } from '../../gateway/domain/outages/interruption.js';
import { applyEnd, applyStart, type Change } from '../../gateway/domain/outages/interruption-rules.js';
import { groupOf, judgeOutage } from '../../gateway/domain/outages/outage-rules.js';

const S = 1000;
const edge = (time: number, extra = {}) => ({ meter: 'M', track: 'power' as const, time, eventId: `e${time}`, ...extra });
const saved = (c: Change) => {
  assert.equal(c.action, 'save');
  return (c as { interruption: Interruption }).interruption;
};

describe('interruption rules (per meter)', () => {
  it('opens on an off and closes on the restore that follows it', () => {
    const open = saved(applyStart([], edge(0)));
    assert.deepEqual([open.start, open.end], [0, undefined]);
    const closed = saved(applyEnd([{ ...open, id: 1 }], edge(45 * S)));
    assert.deepEqual([closed.id, closed.start, closed.end], [1, 0, 45 * S]);
  });

  it('ignores a duplicated off, a repeated off while off, and a duplicated restore', () => {
    const open: Interruption = { id: 1, meter: 'M', track: 'power', kind: 'supply', start: 0 };
    assert.equal(applyStart([open], edge(0)).action, 'ignore');
    assert.equal(applyStart([open], edge(5 * S)).action, 'ignore');
    const closed = { ...open, end: 20 * S };
    assert.equal(applyEnd([closed], edge(20 * S)).action, 'ignore');
    assert.equal(applyStart([closed], edge(10 * S)).action, 'ignore');
  });

  it('moves the start back when an earlier off of the same interruption arrives late', () => {
    const open: Interruption = { id: 1, meter: 'M', track: 'power', kind: 'supply', start: 10 * S };
    assert.equal(saved(applyStart([open], edge(4 * S))).start, 4 * S);
  });

  it('keeps a restore without off, dated back by the duration the meter reported, or completed by a late off', () => {
    const dated = saved(applyEnd([], edge(100 * S, { reportedDurationMs: 47 * S })));
    assert.deepEqual([dated.start, dated.end], [53 * S, 100 * S]);
    const orphan = saved(applyEnd([], edge(100 * S)));
    assert.deepEqual([orphan.start, orphan.end], [undefined, 100 * S]);
    const completed = saved(applyStart([{ ...orphan, id: 7 }], edge(60 * S)));
    assert.deepEqual([completed.id, completed.start, completed.end], [7, 60 * S, 100 * S]);
  });

  it('classifies strictly above the threshold as sustained ("mayores a 30 segundos")', () => {
    const i = (end: number): Interruption => ({ meter: 'M', track: 'power', kind: 'supply', start: 0, end });
    assert.equal(classify(i(30 * S), 30 * S), 'momentary');
    assert.equal(classify(i(30 * S + 1), 30 * S), 'sustained');
    assert.equal(classify({ meter: 'M', track: 'power', kind: 'supply', start: 0 }, 30 * S), 'open');
  });
});

describe('outage judgement (per group)', () => {
  const outage: Outage = { id: 1, groupKind: 'transformer', groupId: 'TR', start: 0, state: 'pending' };
  const member = (meter: string, start: number, end?: number): Interruption => ({ meter, track: 'power', kind: 'supply', start, ...(end !== undefined ? { end } : {}), outageId: 1 });

  it('notifies once the gateway clock passes the threshold for an off without restore', () => {
    assert.equal(judgeOutage(outage, [member('A', 0)], 30 * S, 30 * S).notify, false);
    assert.equal(judgeOutage(outage, [member('A', 0)], 31 * S, 30 * S).notify, true);
  });

  it('drops momentary members and records the outage as momentary when none is left', () => {
    const v = judgeOutage(outage, [member('A', 0, 15 * S), member('B', 1 * S, 16 * S)], 100 * S, 30 * S);
    assert.deepEqual([v.notify, v.momentary, v.detach.length], [false, true, 2]);
  });

  it('notifies and restores together when a closed sustained interruption is learnt at once', () => {
    const v = judgeOutage(outage, [member('A', 0, 45 * S), member('B', 2 * S, 46 * S)], 50 * S, 30 * S);
    assert.deepEqual([v.notify, v.restore, v.members.length], [true, true, 2]);
  });

  it('restores a notified outage only when every member has supply again', () => {
    const notified = { ...outage, state: 'notified' as const };
    assert.equal(judgeOutage(notified, [member('A', 0, 45 * S), member('B', 0)], 50 * S, 30 * S).restore, false);
    assert.equal(judgeOutage(notified, [member('A', 0, 45 * S), member('B', 0, 10 * S)], 50 * S, 30 * S).restore, true);
  });

  it('groups by transformer, else concentrator, else the meter alone', () => {
    assert.deepEqual(groupOf({ mRID: 'M', transformerId: 'T', concentratorId: 'C' }), { groupKind: 'transformer', groupId: 'T' });
    assert.deepEqual(groupOf({ mRID: 'M', concentratorId: 'C' }), { groupKind: 'concentrator', groupId: 'C' });
    assert.deepEqual(groupOf({ mRID: 'M' }), { groupKind: 'meter', groupId: 'M' });
  });
});
