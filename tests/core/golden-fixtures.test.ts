import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SqliteNetwork } from '../../gateway/adapters/sqlite/network.sqlite.js';
import { repoRoot } from '../../gateway/config/config.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { probeNoun, probeSchemaFolders } from '../helpers/probe-noun.js';

const ROOT = path.join(repoRoot, 'tests', 'fixtures', 'soap');

/**
 * Masks what legitimately differs between runs (the reply's own MessageID and Timestamp, and
 * a CorrelationID the gateway assigned because the request had no MessageID) and whitespace
 * between tags, so the rest must match to the character.
 */
function normalise(xml: string, assignedCorrelation: boolean): string {
  let out = xml.replace(/^<\?xml[^>]*>\s*/, '').replace(/>\s+</g, '><').trim();
  out = out.replace(/<(\w+:)?Timestamp>[^<]*<\/(\w+:)?Timestamp>/g, '<$1Timestamp>*</$2Timestamp>');
  out = out.replace(/<(\w+:)?MessageID>[^<]*<\/(\w+:)?MessageID>/g, '<$1MessageID>*</$2MessageID>');
  if (assignedCorrelation) out = out.replace(/<(\w+:)?CorrelationID>[^<]*<\/(\w+:)?CorrelationID>/g, '<$1CorrelationID>*</$2CorrelationID>');
  return out;
}

/**
 * Every folder `<Noun>__<verb>__<case>/` holds request.xml (a SOAP envelope) and response.xml.
 * Adding a case is adding a folder; `UPDATE_FIXTURES=1` writes the current answers (review the diff).
 * The gateway under test has the probe noun and meters MTR-000101…MTR-000120 provisioned.
 */
describe('golden SOAP fixtures', () => {
  let gw: TestGateway;
  const probe = probeNoun();
  before(async () => {
    gw = testGateway({ schemas: { folders: probeSchemaFolders } }, { register: probe.register });
    const network = new SqliteNetwork(gw.db);
    await network.upsertMeters(Array.from({ length: 20 }, (_, i) => ({
      mRID: `MTR-000${101 + i}`, names: [`SN-${101 + i}`], status: 'in-service' as const, commPath: 'point-to-point' as const,
    })));
  });
  after(() => gw.close());

  const folders = readdirSync(ROOT).filter((f) => /^[A-Za-z]+__[a-z]+__[\w-]+$/.test(f)).sort();
  it('has fixtures to walk', () => assert.ok(folders.length >= 5));
  for (const folder of folders) {
    it(folder, async () => {
      const dir = path.join(ROOT, folder);
      const body = readFileSync(path.join(dir, 'request.xml'), 'utf8');
      const contentType = /soap-envelope/.test(body.slice(0, 400)) ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
      const res = await request(gw.app).post('/cim/soap').set('content-type', contentType).send(body);
      const assigned = !/<(\w+:)?MessageID>/.test(body);
      const expectedFile = path.join(dir, 'response.xml');
      const stale = !existsSync(expectedFile) || normalise(readFileSync(expectedFile, 'utf8'), assigned) !== normalise(res.text, assigned);
      // Rewrite only what changed, so an update's diff shows exactly the answers that moved.
      if (stale && (process.env.UPDATE_FIXTURES === '1' || !existsSync(expectedFile))) writeFileSync(expectedFile, res.text);
      assert.equal(normalise(res.text, assigned), normalise(readFileSync(expectedFile, 'utf8'), assigned));
    });
  }
});
