import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import * as soap from 'soap';
import { passwordDigest } from '../../gateway/security/ws-security.js';

export const ISSUER = 'https://idp.utility.example';
export const AUDIENCE = 'cim-gateway';

/** A test JWT issuer: an ES256 key pair whose public half goes into security.jwt.keys. */
export async function jwtIssuer(kid = 'k1') {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const sign = (sub: string, o: { audience?: string; issuer?: string; expiresIn?: string | number; key?: CryptoKey } = {}) =>
    new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setSubject(sub).setIssuer(o.issuer ?? ISSUER)
      .setAudience(o.audience ?? AUDIENCE).setIssuedAt().setExpirationTime(o.expiresIn ?? '5m').sign(o.key ?? privateKey);
  return { jwk, sign, config: { issuer: ISSUER, audience: AUDIENCE, keys: [jwk] } };
}

/** A wsse:Security header made by the soap package (a maintained WS-Security client implementation). */
export function wsseHeader(username: string, password: string): string {
  return new soap.WSSecurity(username, password, { passwordType: 'PasswordDigest', hasTimeStamp: false }).toXML();
}

/** A hand-made UsernameToken header, for the cases a well-behaved client never produces. */
export function craftedWsse(o: { username: string; password: string; created: Date; nonce?: string; type?: 'PasswordDigest' | 'PasswordText' }): string {
  const nonce = o.nonce ?? randomBytes(16).toString('base64');
  const created = o.created.toISOString();
  const type = o.type ?? 'PasswordDigest';
  const value = type === 'PasswordDigest' ? passwordDigest(nonce, created, o.password) : o.password;
  return `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><wsse:UsernameToken><wsse:Username>${o.username}</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#${type}">${value}</wsse:Password><wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${nonce}</wsse:Nonce><wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`;
}

/** SOAP 1.1 envelope with a Header. */
export function soapWithHeader(headerXml: string, inner: string): string {
  return `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header>${headerXml}</soapenv:Header><soapenv:Body>${inner.replace(/^<\?xml[^>]*>\s*/, '')}</soapenv:Body></soapenv:Envelope>`;
}

/** Password files for peers, in a temp folder. */
export function passwordFiles(passwords: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-pw-'));
  return Object.fromEntries(Object.entries(passwords).map(([user, pw]) => {
    const file = path.join(dir, `${user}.pw`);
    writeFileSync(file, `${pw}\n`, { mode: 0o600 });
    return [user, file];
  }));
}

const openssl = (dir: string, ...args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });

/** Writes key + certificate signed by the given CA; returns their paths. */
function issue(dir: string, name: string, subject: string, ca: { cert: string; key: string }, ext?: string) {
  openssl(dir, 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  const extArgs = ext ? ['-extfile', writeExt(dir, name, ext)] : [];
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, ...extArgs);
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

function writeExt(dir: string, name: string, ext: string): string {
  const file = path.join(dir, `${name}.ext`);
  writeFileSync(file, ext);
  return file;
}

function authority(dir: string, name: string, subject: string) {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', subject);
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/** A CA, a server certificate for 127.0.0.1/localhost, client certificates per subject, and a rogue CA's client. */
export function certificates(clients: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-pki-'));
  const ca = authority(dir, 'ca', '/C=CL/O=Utility/CN=Utility Test CA');
  const server = issue(dir, 'server', '/C=CL/O=Utility/CN=localhost', ca, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const issued = Object.fromEntries(Object.entries(clients).map(([name, subject]) => [name, issue(dir, name, subject, ca, 'extendedKeyUsage=clientAuth\n')]));
  const rogueCa = authority(dir, 'rogue-ca', '/C=CL/O=Rogue/CN=Rogue CA');
  const rogue = issue(dir, 'rogue', '/C=CL/O=Utility/CN=mdm.utility.cl', rogueCa, 'extendedKeyUsage=clientAuth\n');
  return { dir, ca, server, clients: issued, rogue };
}
