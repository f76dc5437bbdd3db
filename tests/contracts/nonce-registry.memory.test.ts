import assert from 'node:assert/strict';
import { it } from 'node:test';
import { NonceCache } from '../../gateway/security/ws-security.js';
import { nonceRegistryContract } from './nonce-registry.contract.js';

nonceRegistryContract('in-process', async () => {
  const cache = new NonceCache(100);
  return { a: cache, b: cache, close: async () => undefined };
});

it('in-process registry: full of live nonces refuses rather than forgetting one', async () => {
  const cache = new NonceCache(2);
  const at = new Date(0);
  const until = new Date(60_000);
  assert.equal(await cache.remember('a', until, at), 'fresh');
  assert.equal(await cache.remember('b', until, at), 'fresh');
  assert.equal(await cache.remember('c', until, at), 'full');
  assert.equal(await cache.remember('c', new Date(120_000), new Date(60_000)), 'fresh');
});
