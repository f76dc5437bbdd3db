import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { ClientRegistry, I8Client } from '../../gateway/ports/client-registry.port.js';

export interface ClientRegistryFixture {
  registry: ClientRegistry;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const client = (id: string, more: Partial<I8Client> = {}): I8Client => ({
  id, secretHash: `scrypt$16384$8$1$salt-${id}$hash-${id}`, scopes: ['readings:read', 'events:read'], dataScope: { kind: 'regulator' },
  createdAt: new Date('2026-01-02T03:04:05.678Z'), disabled: false, ...more,
});

/** The I8 client registry contract: put is an upsert by id, disable is a flag, listing is by id. */
export function clientRegistryContract(name: string, make: () => Promise<ClientRegistryFixture>): void {
  describe(`client-registry contract: ${name}`, () => {
    let f: ClientRegistryFixture;
    beforeEach(async () => {
      f ??= await make();
      await f.reset();
    });
    after(() => f?.close());

    it('round-trips a client with every field, and without the optional name', async () => {
      const full = client('c-full', { name: 'Distribuidora Sur', dataScope: { kind: 'customer', usagePoint: 'UP-7' }, scopes: ['export:read'] });
      await f.registry.put(full);
      await f.registry.put(client('c-bare'));
      assert.deepEqual(await f.registry.get('c-full'), full);
      assert.deepEqual(await f.registry.get('c-bare'), client('c-bare'));
      assert.equal(await f.registry.get('nobody'), undefined);
    });

    it('put replaces the client with the same id (new secret, scopes, scope of data)', async () => {
      await f.registry.put(client('c1', { name: 'old' }));
      await f.registry.put(client('c1', { secretHash: 'scrypt$16384$8$1$s$new', scopes: ['reports:read'], dataScope: { kind: 'third-party' } }));
      const back = await f.registry.get('c1');
      assert.deepEqual([back?.secretHash, back?.scopes, back?.dataScope, back?.name], ['scrypt$16384$8$1$s$new', ['reports:read'], { kind: 'third-party' }, undefined]);
      assert.equal((await f.registry.list()).length, 1);
    });

    it('lists by id and disables / re-enables; unknown ids report false', async () => {
      for (const id of ['b', 'C', 'a']) await f.registry.put(client(id));
      assert.deepEqual((await f.registry.list()).map((c) => c.id), ['C', 'a', 'b'], 'binary order, as SQLite sorts');
      assert.equal(await f.registry.setDisabled('a', true), true);
      assert.equal((await f.registry.get('a'))?.disabled, true);
      assert.equal(await f.registry.setDisabled('a', false), true);
      assert.equal((await f.registry.get('a'))?.disabled, false);
      assert.equal(await f.registry.setDisabled('zz', true), false);
    });
  });
}
