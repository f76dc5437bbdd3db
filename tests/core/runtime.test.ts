import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGatewayProcess } from '../helpers/process.js';

const startGateway = startGatewayProcess;

describe('the gateway process', () => {
  let dataDir: string;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-proc-'));
    gw = await startGateway({ GATEWAY_DATA_DIR: dataDir });
  });
  after(() => {
    gw.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is healthy and ready, logging JSON lines', async () => {
    const health = await fetch(`http://127.0.0.1:${gw.port}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`http://127.0.0.1:${gw.port}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(gw.lines[0]!.service, 'cim-gateway');
  });

  it('logs each message with its correlation id', async () => {
    const body = '<m:RequestMessage xmlns:m="http://iec.ch/TC57/2011/schema/message"><m:Header><m:Verb>get</m:Verb><m:Noun>Wombats</m:Noun><m:MessageID>log-1</m:MessageID></m:Header></m:RequestMessage>';
    await fetch(`http://127.0.0.1:${gw.port}/cim/messages`, { method: 'POST', body, headers: { 'content-type': 'application/xml' } });
    for (let i = 0; i < 50 && !gw.lines.some((l) => l.correlationId === 'log-1'); i++) await new Promise((r) => setTimeout(r, 20));
    const line = gw.lines.find((l) => l.correlationId === 'log-1')!;
    assert.equal(line.msg, 'message answered');
    assert.deepEqual(line.codes, ['2.5']);
  });

  it('on SIGTERM finishes a request in flight, then exits 0', async () => {
    const body = '<m:RequestMessage xmlns:m="http://iec.ch/TC57/2011/schema/message"><m:Header><m:Verb>get</m:Verb><m:Noun>Wombats</m:Noun></m:Header></m:RequestMessage>';
    // Send the head and half the body, signal, then the rest: the answer must still come.
    const answer = new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: gw.port, path: '/cim/messages', method: 'POST', headers: { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(body.slice(0, 40));
      setTimeout(() => {
        gw.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(40)), 200);
      }, 100);
    });
    const exited = new Promise<number | null>((resolve) => gw.child.on('exit', (code) => resolve(code)));
    assert.equal(await answer, 422);
    assert.equal(await exited, 0);
  });
});
