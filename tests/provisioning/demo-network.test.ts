import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { replyOf } from '../helpers/messages.js';
import { startGatewayProcess } from '../helpers/process.js';
import { getRequest, meterIds } from './meter-config-messages.js';

/** Starts gateway/main.ts as `npm start` does (demo seed on by default). */
const startMain = (dataDir: string) => startGatewayProcess({ GATEWAY_DATA_DIR: dataDir, GATEWAY_DEMO: '' });

const stop = (child: ChildProcess) => new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.kill('SIGTERM');
});

describe('npm start: the demo network is there at once', () => {
  let dataDir: string;
  let gw: Awaited<ReturnType<typeof startMain>>;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-demo-'));
    gw = await startMain(dataDir);
  });
  after(async () => {
    if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = async (port: number, xml: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/cim/messages`, { method: 'POST', body: xml, headers: { 'content-type': 'application/xml' } });
    const text = await res.text();
    return { text, ids: meterIds(text), ...replyOf(text) };
  };

  it('answers get MeterConfig with every demo meter: 2 concentrators × 50 PLC meters and 10 point-to-point ones', async () => {
    const all = await get(gw.port, getRequest('demo-all', undefined, { pageSize: '500' }));
    assert.equal(all.result, 'OK');
    assert.equal(all.ids.length, 110);
    const dc1 = await get(gw.port, getRequest('demo-dc1', { concentrators: ['DC-DEMO-01'] }));
    assert.equal(dc1.ids.length, 50);
    assert.ok(dc1.ids.every((id) => id.startsWith('MTR-DC01-')));
    const p2p = await get(gw.port, getRequest('demo-p2p', { transformers: ['TR-DEMO-03'] }));
    assert.deepEqual(p2p.ids, Array.from({ length: 10 }, (_, i) => `MTR-P2P-${String(i + 1).padStart(3, '0')}`));
    assert.doesNotMatch(p2p.text, /ConcentratorID/);
    const seeded = gw.lines.find((l) => l.msg === 'demo network provisioned');
    assert.equal(seeded?.meters, 110);
    assert.equal(seeded?.changed, 110);
  });

  it('a restart on the same data seeds again without changing anything', async () => {
    await stop(gw.child);
    gw = await startMain(dataDir);
    const seeded = gw.lines.find((l) => l.msg === 'demo network provisioned');
    assert.equal(seeded?.meters, 110);
    assert.equal(seeded?.changed, 0);
    assert.equal(seeded?.conflicts, 0);
    assert.equal((await get(gw.port, getRequest('demo-again', undefined, { pageSize: '500' }))).ids.length, 110);
  });
});
