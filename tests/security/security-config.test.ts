import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../gateway/config/config.js';
import { normaliseDn } from '../../gateway/security/peer-directory.js';

describe('security configuration', () => {
  const load = (security: Record<string, unknown>) => loadConfig({}, { security });

  it('defaults: no TLS, no peers, loopback admin, no disconnect cap', () => {
    const c = loadConfig({});
    assert.equal(c.security.tls, undefined);
    assert.deepEqual(c.security.peers, []);
    assert.equal(c.security.admin.loopback, true);
    assert.equal(c.security.disconnectGuard, undefined);
  });

  it('refuses duplicate credentials, passwords in two places, unknown interfaces, and both or neither JWT key source', () => {
    const peer = { interfaces: ['i6-rest'], allow: '*' };
    assert.throws(() => load({ peers: [{ ...peer, id: 'A', bearerSubject: 's' }, { ...peer, id: 'B', bearerSubject: 's' }] }), /bearerSubject 's' is used by more than one peer/);
    assert.throws(() => load({ peers: [{ ...peer, id: 'A', username: 'u', passwordFile: '/x', passwordEnv: 'X' }] }), /exactly one of passwordFile or passwordEnv/);
    assert.throws(() => load({ peers: [{ ...peer, id: 'A', password: 'inline' }] }), ConfigError);
    assert.throws(() => load({ peers: [{ id: 'A', interfaces: ['i9'], allow: '*' }] }), ConfigError);
    assert.throws(() => load({ jwt: { issuer: 'i', audience: 'a' } }), /exactly one of jwksUrl or keys/);
  });

  it('DNs compare equal whatever the spacing openssl or a person used', () => {
    assert.equal(normaliseDn('C = CL, O = Utility, OU = Integration, CN = mdm.utility.cl'), 'C=CL, O=Utility, OU=Integration, CN=mdm.utility.cl');
    assert.equal(normaliseDn('C=CL,O=Utility\\, S.A.,CN=mdm'), normaliseDn('C=CL, O=Utility\\, S.A., CN=mdm'));
  });
});
