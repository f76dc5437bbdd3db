import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { i8Schema } from '../../gateway/i8/i8-config.js';
import { TokenIssuer } from '../../gateway/i8/token-issuer.js';
import { VerifiedTokenCache } from '../../gateway/i8/verified-token-cache.js';

describe('verified access tokens are cached until they expire', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-tokens-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const open = (cacheSize: number) => TokenIssuer.open(i8Schema.parse({ tokenLifetimeSeconds: 60, tokenCacheSize: cacheSize }), path.join(dir, `key-${cacheSize}.json`));
  const t0 = new Date('2026-03-01T12:00:00Z');
  const at = (s: number) => new Date(t0.getTime() + s * 1000);

  it('answers a token verified before from the cache, and refuses it after exp (+ the 30 s tolerance) all the same', async () => {
    const issuer = open(10);
    const { token } = await issuer.issue('c1', ['readings:read'], t0);
    const first = await issuer.verify(token, t0);
    assert.deepEqual(first, { clientId: 'c1', scopes: ['readings:read'] });
    assert.equal(await issuer.verify(token, at(80), ), first, 'same object: no second verification');
    await assert.rejects(issuer.verify(token, at(90)), /exp/);
    await assert.rejects(issuer.verify(token, at(91)));
  });

  it('never answers a token that differs from a verified one, even in one character', async () => {
    const issuer = open(10);
    const { token } = await issuer.issue('c2', ['readings:read'], t0);
    await issuer.verify(token, t0);
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    await assert.rejects(issuer.verify(forged, t0));
  });

  it('holds at most the configured number of tokens, oldest out first; 0 turns it off', async () => {
    const cache = new VerifiedTokenCache<string>(2);
    cache.set('a', 'A', 0, 100);
    cache.set('b', 'B', 0, 100);
    cache.set('c', 'C', 0, 100);
    assert.deepEqual([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1), cache.size], [undefined, 'B', 'C', 2]);
    assert.equal(cache.get('b', 100), undefined, 'expires is exclusive');
    assert.equal(cache.size, 1, 'an expired entry leaves');
    cache.set('d', 'D', 50, 100);
    assert.equal(cache.get('d', 49), undefined, 'not before nbf');
    assert.equal(cache.get('d', 50), 'D');
    const off = new VerifiedTokenCache<string>(0);
    off.set('a', 'A', 0, 100);
    assert.equal(off.get('a', 1), undefined);
    const issuer = open(0);
    const { token } = await issuer.issue('c3', [], t0);
    assert.notEqual(await issuer.verify(token, t0), await issuer.verify(token, t0), 'verified every time');
  });
});
