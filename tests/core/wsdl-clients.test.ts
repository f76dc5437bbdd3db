import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as soap from 'soap';
import { capitalise } from '../../gateway/cim/verbs.js';
import { typedNs } from '../../gateway/xml/namespaces.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { probeNoun, probeSchemaFolders } from '../helpers/probe-noun.js';

/**
 * What an MDM vendor does on day one: generate a client from each served WSDL and call every
 * operation. Each call carries only a Header (the nouns' own suites send real payloads), so
 * every answer is a well-formed ResponseMessage the generated client can read — a Reply,
 * never a Fault, whatever the noun thinks of the empty request.
 */
describe('clients generated from every served WSDL', () => {
  let gw: TestGateway;
  let server: Server;
  let base: string;
  before(async () => {
    gw = testGateway({ schemas: { folders: probeSchemaFolders }, http: { port: 0 } }, { register: probeNoun().register });
    server = await gw.listen();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => gw.close());

  it('serves a typed WSDL for every routed noun that has typed schemas', () => {
    const typed = gw.registry.nouns().filter((n) => gw.schemas.files.some((f) => f.namespace === typedNs(n)));
    assert.ok(typed.includes('Probes'));
  });

  it('calls every operation of every typed WSDL', async () => {
    const nouns = gw.registry.nouns().filter((n) => gw.schemas.files.some((f) => f.namespace === typedNs(n)));
    let calls = 0;
    for (const noun of nouns) {
      const client = await soap.createClientAsync(`${base}/cim/soap/${noun}?wsdl`);
      const operations = Object.keys(client.describe()[`${noun}ServiceService`]?.[`${noun}ServiceSoap`] ?? {});
      const expected = gw.registry.verbs(noun).map((v) => `${capitalise(v)}${noun}`).filter((op) => gw.schemas.globalElements.has(`{${typedNs(noun)}}${op}`));
      assert.deepEqual(operations.sort(), expected.sort(), `${noun} operations`);
      for (const op of operations) {
        const verb = op.slice(0, op.length - noun.length).toLowerCase();
        const [answer] = await client[`${op}Async`]({ Header: { Verb: verb, Noun: noun, Source: 'WSDL-TEST', MessageID: `${op}-1` } });
        assert.ok(['OK', 'PARTIAL', 'FAILED'].includes(answer.Reply.Result), `${op} answered ${JSON.stringify(answer)}`);
        assert.equal(answer.Header.CorrelationID, `${op}-1`);
        calls++;
      }
    }
    assert.ok(calls >= 3);
  });
});
