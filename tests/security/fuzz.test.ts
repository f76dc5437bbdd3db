import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { SqliteNetwork } from '../../gateway/adapters/sqlite/network.sqlite.js';
import { repoRoot } from '../../gateway/config/config.js';
import { parseInbound } from '../../gateway/ingress/inbound-xml.js';
import { SOAP11_NS, SOAP12_NS } from '../../gateway/xml/namespaces.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, soap11, soap12 } from '../helpers/messages.js';
import { PROBES_NS, probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';
import { mutate, rng } from './message-mutator.js';

const CASES = Number(process.env.FUZZ_CASES ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 9061968);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Seed { name: string; endpoint: '/cim/soap' | '/cim/messages'; contentType: string; body: string }

/** Probe messages in every form, plus every golden fixture of a routed noun that is answered OK. */
function seeds(routedNouns: string[]): Seed[] {
  const rest = (name: string, body: string): Seed => ({ name, endpoint: '/cim/messages', contentType: 'application/xml', body });
  const soap = (name: string, body: string, v12 = false): Seed => ({ name, endpoint: '/cim/soap', contentType: v12 ? 'application/soap+xml' : 'text/xml', body });
  const compressed = `<m:Payload><m:Compressed>${gzipSync(`<Probes xmlns="${PROBES_NS}"><Probe><mRID>FZC</mRID></Probe></Probes>`).toString('base64')}</m:Compressed></m:Payload>`;
  const list: Seed[] = [
    rest('probe-create', message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'fz' }, probePayload('FZ1', 'FZ2'))),
    rest('probe-created', message('EventMessage', { verb: 'created', noun: 'Probes', messageId: 'fz' }, probePayload('FZ3'))),
    rest('probe-get', message('RequestMessage', { verb: 'get', noun: 'Probes', messageId: 'fz' }, '<m:Request/>')),
    rest('probe-compressed', message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'fz' }, compressed)),
    soap('probe-soap11', soap11(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'fz' }, probePayload('FZ4')))),
    soap('probe-soap12', soap12(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'fz' }, probePayload('FZ5'))), true),
  ];
  const root = path.join(repoRoot, 'tests', 'fixtures', 'soap');
  for (const folder of readdirSync(root).sort()) {
    const noun = folder.split('__')[0]!;
    const response = path.join(root, folder, 'response.xml');
    if (!routedNouns.includes(noun) || !existsSync(response) || !/<(\w+:)?Result>OK</.test(readFileSync(response, 'utf8'))) continue;
    const body = readFileSync(path.join(root, folder, 'request.xml'), 'utf8');
    list.push(soap(`fixture:${folder}`, body, body.includes(SOAP12_NS)));
  }
  return list;
}

/** The answer is a well-formed Reply (in a SOAP envelope or not), a SOAP Fault, or problem+json. */
function assertWellFormedAnswer(status: number, contentType: string, body: string, soapEndpoint: boolean): string {
  // SOAP 1.1 sends every Fault with 500; elsewhere 5xx means a technical failure.
  if (!soapEndpoint) assert.ok(status < 500, `technical failure ${status}: ${body.slice(0, 200)}`);
  if (contentType.startsWith('application/problem+json')) {
    const p = JSON.parse(body) as { status: number; title: string };
    assert.equal(p.status, status);
    assert.ok(p.title);
    return 'problem';
  }
  const { doc } = parseInbound(body);
  try {
    let el = doc.root;
    if (soapEndpoint) {
      assert.equal(el.name, 'Envelope');
      assert.ok(el.namespaceUri === SOAP11_NS || el.namespaceUri === SOAP12_NS);
      el = el.get('*[local-name()="Body"]/*') as typeof el;
      if (el.name === 'Fault') {
        // A hostile message is the sender's fault (Client / Sender), never an internal error (Server / Receiver).
        assert.match(el.toString(), /(Client|Sender)</, 'a technical fault');
        return 'fault';
      }
    }
    assert.match(el.name, /ResponseMessage$/);
    const result = el.get('*[local-name()="Reply"]/*[local-name()="Result"]')?.content;
    assert.ok(result === 'OK' || result === 'PARTIAL' || result === 'FAILED', `Result ${result}`);
    return result!;
  } finally {
    doc.dispose();
  }
}

describe(`fuzz: ${CASES} mutated messages (FUZZ_CASES, FUZZ_SEED=${SEED})`, () => {
  let gw: TestGateway;
  let base: string;
  const probe = probeNoun();
  before(async () => {
    gw = testGateway({
      schemas: { folders: probeSchemaFolders }, http: { port: 0 },
      limits: { maxBodyBytes: 2 * 1024 * 1024, maxDepth: 48, maxAttributeValueChars: 4096, maxTextChars: 64 * 1024, maxDecompressedBytes: 1024 * 1024 },
    }, { register: probe.register });
    const network = new SqliteNetwork(gw.db);
    await network.upsertMeters(Array.from({ length: 20 }, (_, i) => ({ mRID: `MTR-000${101 + i}`, names: [`SN-${101 + i}`], status: 'in-service' as const, commPath: 'point-to-point' as const })));
    const server = await gw.listen();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => gw.close());

  it('the process stays up, memory stays bounded, every answer is a Reply, Fault or problem, nothing invalid is stored', async () => {
    const all = seeds(gw.registry.nouns());
    assert.ok(all.length >= 6);
    const r = rng(SEED);
    const outcomes = new Map<string, number>();
    let baseline = 0;
    for (let n = 0; n < CASES; n++) {
      if (n === Math.min(200, Math.floor(CASES / 5))) {
        gc();
        baseline = process.memoryUsage().heapUsed;
      }
      const seed = all[n % all.length]!;
      // Unique ids per case so idempotency replays do not hide what a mutation did.
      const { text, applied } = mutate(seed.body.replace(/>fz</g, `>fz-${n}<`).replace(/gf-[\w-]+/g, `gf-fz-${n}`), r);
      const before = JSON.stringify([...probe.stored]);
      const res = await fetch(`${base}${seed.endpoint}`, { method: 'POST', headers: { 'content-type': seed.contentType }, body: text });
      const body = await res.text();
      const where = `case ${n} seed ${seed.name} [${applied.join(', ')}] (FUZZ_SEED=${SEED})`;
      let outcome: string;
      try {
        outcome = assertWellFormedAnswer(res.status, res.headers.get('content-type') ?? '', body, seed.endpoint === '/cim/soap');
      } catch (err) {
        throw new Error(`${where}: ${(err as Error).message}\nsent: ${text.slice(0, 400)}\ngot: ${body.slice(0, 400)}`);
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (JSON.stringify([...probe.stored]) !== before) {
        // Something was stored: the answer said so, and the document really is valid.
        assert.ok(outcome === 'OK' || outcome === 'PARTIAL', `${where}: stored but answered ${outcome}`);
        const parsed = parseInbound(text);
        try {
          const el = seed.endpoint === '/cim/soap' ? parsed.doc.root.get('*[local-name()="Body"]/*')! : parsed.doc.root;
          assert.deepEqual(gw.schemas.validate(el as typeof parsed.doc.root, parsed.text), [], `${where}: stored an invalid message`);
        } finally {
          parsed.doc.dispose();
        }
      }
    }
    gc();
    const growth = process.memoryUsage().heapUsed - baseline;
    assert.ok(growth < 64 * 1024 * 1024, `heap grew by ${Math.round(growth / 1048576)} MiB over ${CASES} cases`);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    // The mutations must reach every kind of answer, or the fuzz is not exercising the pipeline.
    for (const kind of ['OK', 'FAILED', 'problem', 'fault']) assert.ok((outcomes.get(kind) ?? 0) > 0, `no ${kind} answers: ${JSON.stringify([...outcomes])}`);
  });
});
