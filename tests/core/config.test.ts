import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../gateway/config/config.js';

describe('configuration: defaults → file → environment, validated and frozen', () => {
  it('has working defaults (port 8080, embedded profile, the repo xsd folder)', () => {
    const c = loadConfig({});
    assert.equal(c.http.port, 8080);
    assert.equal(c.profile, 'embedded');
    assert.match(c.schemas.folders[0]!, /xsd$/);
  });

  it('a file overrides defaults and the environment overrides the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    const file = path.join(dir, 'gw.json');
    writeFileSync(file, JSON.stringify({ http: { port: 9000 }, gateway: { source: 'FROM-FILE' }, limits: { maxDepth: 40 } }));
    const c = loadConfig({ GATEWAY_CONFIG: file, PORT: '9100' });
    assert.equal(c.http.port, 9100);
    assert.equal(c.gateway.source, 'FROM-FILE');
    assert.equal(c.limits.maxDepth, 40);
    assert.equal(c.limits.maxBodyBytes, 64 * 1024 * 1024);
  });

  it('I7 journal retention: 30 days by default, from the file, the environment over the file, checked', () => {
    assert.deepEqual(loadConfig({}).i7.journal, { retentionDays: 30, pruneEveryMinutes: 60 });
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    const file = path.join(dir, 'gw.json');
    writeFileSync(file, JSON.stringify({ i7: { journal: { retentionDays: 90, pruneEveryMinutes: 15 } } }));
    assert.deepEqual(loadConfig({ GATEWAY_CONFIG: file }).i7.journal, { retentionDays: 90, pruneEveryMinutes: 15 });
    assert.deepEqual(loadConfig({ GATEWAY_CONFIG: file, I7_JOURNAL_RETENTION_DAYS: '0' }).i7.journal, { retentionDays: 0, pruneEveryMinutes: 15 });
    assert.throws(() => loadConfig({ I7_JOURNAL_RETENTION_DAYS: 'forever' }), (e: unknown) => e instanceof ConfigError && /i7\.journal\.retentionDays/.test(e.message));
    assert.throws(() => loadConfig({ I7_JOURNAL_RETENTION_DAYS: '-1' }), ConfigError);
  });

  it('is frozen', () => {
    const c = loadConfig({});
    assert.throws(() => { (c.http as { port: number }).port = 1; }, TypeError);
  });

  it('names every invalid setting', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /http\.port/.test(e.message));
    assert.throws(() => loadConfig({ GATEWAY_PROFILE: 'galaxy' }), ConfigError);
    assert.throws(() => loadConfig({ GATEWAY_CONFIG: '/nonexistent.json' }), /cannot read GATEWAY_CONFIG/);
  });

  it('the cluster profile needs a postgres:// DATABASE_URL and an amqp:// AMQP_URL', () => {
    assert.throws(() => loadConfig({ GATEWAY_PROFILE: 'cluster' }), (e: unknown) => e instanceof ConfigError && /databaseUrl: the cluster profile needs DATABASE_URL/.test(e.message) && /amqpUrl/.test(e.message));
    assert.throws(() => loadConfig({ GATEWAY_PROFILE: 'cluster', DATABASE_URL: 'mysql://x', AMQP_URL: 'amqp://y' }), /databaseUrl/);
    const c = loadConfig({ GATEWAY_PROFILE: 'cluster', DATABASE_URL: 'postgres://db/gw', AMQP_URL: 'amqp://mq' });
    assert.deepEqual([c.profile, c.databaseUrl, c.amqpUrl], ['cluster', 'postgres://db/gw', 'amqp://mq']);
  });
});
