import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../gateway/config/config.js';
import { commandIdFor } from '../../gateway/domain/commands/command.js';
import { assertTransition, canMove, CommandState, finalStates, IllegalTransition } from '../../gateway/domain/commands/command-state.js';
import { ControlTypeTable } from '../../gateway/domain/commands/control-types.js';

const table = JSON.parse(readFileSync(path.join(repoRoot, 'mappings', 'end-device-control-types.json'), 'utf8'));

describe('command states', () => {
  it('are one frozen object', () => {
    assert.ok(Object.isFrozen(CommandState));
    assert.deepEqual(Object.values(CommandState), ['accepted', 'queued', 'sent', 'succeeded', 'failed', 'expired', 'canceled', 'dead']);
  });

  it('allow the lifecycle and nothing else', () => {
    const allowed = Object.values(CommandState).flatMap((from) => Object.values(CommandState).filter((to) => canMove(from, to)).map((to) => `${from}→${to}`));
    assert.deepEqual(allowed.sort(), [
      'accepted→canceled', 'accepted→expired', 'accepted→queued', 'queued→canceled', 'queued→expired', 'queued→sent',
      'sent→dead', 'sent→failed', 'sent→queued', 'sent→succeeded',
    ]);
    for (const f of finalStates) assert.throws(() => assertTransition('c', f, 'queued'), IllegalTransition);
    assert.throws(() => assertTransition('c-1', 'sent', 'canceled'), /c-1: sent → canceled is not an allowed transition/);
  });

  it('command ids are stable per key and differ between keys', () => {
    assert.equal(commandIdFor('MDM|msg:1|ctl|M-1'), commandIdFor('MDM|msg:1|ctl|M-1'));
    assert.notEqual(commandIdFor('MDM|msg:1|ctl|M-1'), commandIdFor('MDM|msg:1|ctl|M-2'));
    assert.match(commandIdFor('x'), /^cmd-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('EndDeviceControlType table', () => {
  const t = new ControlTypeTable(table, { byKind: { read: 5 }, byReason: { 'safety': 100, 'payment': 90 } });

  it('maps every documented code to a head-end command', () => {
    assert.deepEqual(t.codes().map((c) => [c, t.get(c)!.hes]), [
      ['3.31.0.18', 'connect'], ['3.31.0.23', 'disconnect'], ['3.31.0.5', 'arm'], ['3.15.0.13', 'load-limit-set'],
      ['3.15.0.28', 'load-limit-clear'], ['3.36.116.13', 'time-sync'], ['3.21.0.8', 'read'],
    ]);
    assert.equal(t.confirmationOf('disconnect'), '3.31.0.68');
  });

  it('priority: reason rules over kind overrides over the table', () => {
    assert.equal(t.priorityOf(t.get('3.31.0.23')!, 'SAFETY hazard'), 100);
    assert.equal(t.priorityOf(t.get('3.31.0.18')!, 'reconnect after payment'), 90);
    assert.equal(t.priorityOf(t.get('3.31.0.18')!), 60);
    assert.equal(t.priorityOf(t.get('3.21.0.8')!), 5);
  });

  it('refuses a table listing a code twice', () => {
    assert.throws(() => new ControlTypeTable({ types: [table.types[0], table.types[0]] }), /listed twice/);
  });
});
