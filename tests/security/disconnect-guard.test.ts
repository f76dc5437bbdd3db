import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import request from 'supertest';
import { createGateway, type Gateway } from '../../gateway/app.js';
import { ok } from '../../gateway/cim/reply.js';
import { loadConfig } from '../../gateway/config/config.js';
import type { HandlerRegistry } from '../../gateway/registry/handler-registry.js';
import { SlidingWindowDisconnectGuard } from '../../gateway/security/disconnect-guard.js';
import { message, replyOf } from '../helpers/messages.js';
import { jwtIssuer } from './security-fixtures.js';
import { disconnectGuardContract } from '../contracts/disconnect-guard.contract.js';

disconnectGuardContract('in-process sliding window', async (caps) => {
  const guard = new SlidingWindowDisconnectGuard(caps);
  return { a: guard, b: guard, close: async () => undefined };
});

const EDC_NS = 'http://iec.ch/TC57/2011/EndDeviceControls#';
const controls = (code: string, devices: string[], groups: string[] = []) =>
  `<m:Payload><c:EndDeviceControls xmlns:c="${EDC_NS}"><c:EndDeviceControl><c:EndDeviceControlType ref="${code}"/>${groups.map((g) => `<c:EndDeviceGroups><c:mRID>${g}</c:mRID></c:EndDeviceGroups>`).join('')}${devices.map((d) => `<c:EndDevices><c:mRID>${d}</c:mRID></c:EndDevices>`).join('')}</c:EndDeviceControl></c:EndDeviceControls></m:Payload>`;
const meters = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `MTR-${String(from + i).padStart(6, '0')}`);

describe('disconnect guard in the pipeline (create EndDeviceControls)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-guard-'));
  const now = { t: new Date('2026-12-01T12:00:00Z') };
  let issuer: Awaited<ReturnType<typeof jwtIssuer>>;
  let gw: Gateway;
  let executed = 0;
  // Until the EndDeviceControls noun lands (issue 6) a stand-in route; once it is registered, the real one runs.
  const register = (registry: HandlerRegistry) => {
    if (registry.verbs('EndDeviceControls').includes('create')) return;
    registry.register('EndDeviceControls', 'create', { handle: async () => { executed++; return { reply: ok() }; } });
  };
  const start = () => createGateway(loadConfig({}, {
    dataDir, logLevel: 'silent',
    security: {
      peers: [
        { id: 'MDM', bearerSubject: 'mdm', interfaces: ['i6-rest'], allow: '*' },
        { id: 'MDM-2', bearerSubject: 'mdm-2', interfaces: ['i6-rest'], allow: '*' },
      ],
      jwt: issuer.config,
      disconnectGuard: { perPeer: { max: 10, windowSeconds: 3600 }, system: { max: 15, windowSeconds: 3600 }, disconnectCodes: ['3.31.0.23', '3.31.0.99'] },
    },
  }), { log: pino({ level: 'silent' }), register, clock: { now: () => now.t } });

  before(async () => {
    issuer = await jwtIssuer();
    gw = start();
  });
  after(async () => {
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const send = async (sub: string, source: string, id: string, payload: string) => request(gw.app).post('/cim/messages')
    .set('content-type', 'application/xml').set('authorization', `Bearer ${await issuer.sign(sub, { expiresIn: Math.floor(now.t.getTime() / 1000) + 300 })}`)
    .send(message('RequestMessage', { verb: 'create', noun: 'EndDeviceControls', source, messageId: id }, payload));

  it('admits disconnects under the caps and audits who asked for how many', async () => {
    const res = await send('mdm', 'MDM', 'g-1', controls('3.31.0.23', meters(8)));
    assert.ok(!replyOf(res.text).codes.includes('6.1'), res.text);
    const [admitted] = await gw.audit.query({ kind: 'disconnect.admitted' });
    assert.equal(admitted!.peer, 'MDM');
    assert.equal(admitted!.devices, 8);
    assert.equal(admitted!.messageId, 'g-1');
  });

  it('refuses a request that would exceed the per-peer cap, whole, with 6.1, and audits it', async () => {
    const before = executed;
    const res = await send('mdm', 'MDM', 'g-2', controls('3.31.0.23', meters(3, 100)));
    const r = replyOf(res.text);
    assert.deepEqual(r.codes, ['6.1']);
    assert.equal(res.status, 409);
    assert.match(r.details[0]!, /peer MDM may disconnect at most 10 devices per 3600 s; 8 already, 3 requested/);
    assert.equal(executed, before);
    const [refused] = await gw.audit.query({ kind: 'disconnect.refused' });
    assert.equal(refused!.peer, 'MDM');
    assert.equal(refused!.devices, 3);
  });

  it('a resend of the refused message gets the same answer and is not counted again', async () => {
    const res = await send('mdm', 'MDM', 'g-2', controls('3.31.0.23', meters(3, 100)));
    assert.deepEqual(replyOf(res.text).codes, ['6.1']);
    assert.equal((await gw.audit.query({ kind: 'disconnect.refused' })).length, 1);
  });

  it('connects are not counted; configured extra disconnect codes are', async () => {
    assert.ok(!replyOf((await send('mdm', 'MDM', 'g-3', controls('3.31.0.18', meters(50, 200)))).text).codes.includes('6.1'));
    assert.deepEqual(replyOf((await send('mdm', 'MDM', 'g-4', controls('3.31.0.99', meters(3, 300)))).text).codes, ['6.1']);
  });

  it('the system cap holds across peers; a group counts as its members (at least one)', async () => {
    assert.ok(!replyOf((await send('mdm-2', 'MDM-2', 'g-5', controls('3.31.0.23', meters(6, 400)))).text).codes.includes('6.1'));
    // 8 + 6 = 14 of 15: an unknown group still counts one, a second device makes 16.
    const r = replyOf((await send('mdm-2', 'MDM-2', 'g-6', controls('3.31.0.23', meters(1, 500), ['GROUP-X']))).text);
    assert.deepEqual(r.codes, ['6.1']);
    assert.match(r.details[0]!, /the system admits at most 15/);
  });

  it('a restart rebuilds the windows from the audit log; the window then slides', async () => {
    await gw.stop();
    gw = start();
    assert.deepEqual(replyOf((await send('mdm', 'MDM', 'g-7', controls('3.31.0.23', meters(3, 600)))).text).codes, ['6.1']);
    now.t = new Date(now.t.getTime() + 3601_000);
    assert.ok(!replyOf((await send('mdm', 'MDM', 'g-8', controls('3.31.0.23', meters(3, 600)))).text).codes.includes('6.1'));
  });
});
