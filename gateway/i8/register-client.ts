import { I8_SCOPES, type ClientRegistry, type DataScope, type I8Scope } from '../ports/client-registry.port.js';
import { hashSecret, newClientSecret } from './client-secret.js';
import { instant, instantProblem } from './request-params.js';

export interface NewClient {
  id: string;
  name?: string;
  scopes: string[];
  dataScope: DataScope;
}

/** Registers (or re-keys) a client; the secret is returned once and only its scrypt hash is kept. */
export async function registerClient(clients: ClientRegistry, c: NewClient, now: Date): Promise<{ secret: string }> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(c.id)) throw new Error(`client id '${c.id}': letters, digits, . _ - (at most 64)`);
  const unknown = c.scopes.filter((s) => !(I8_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown scope(s) ${unknown.join(', ')}; known: ${I8_SCOPES.join(', ')}`);
  if (c.dataScope.kind === 'customer') checkSupplyPeriod(c.dataScope);
  const secret = newClientSecret();
  const existing = await clients.get(c.id);
  await clients.put({
    id: c.id, secretHash: await hashSecret(secret), scopes: c.scopes as I8Scope[], dataScope: c.dataScope,
    createdAt: existing?.createdAt ?? now, disabled: false, ...(c.name ? { name: c.name } : {}),
  });
  return { secret };
}

function checkedInstant(name: string, v: string): number {
  const t = instant(v);
  if (t === undefined) throw new Error(instantProblem(name, v));
  return t;
}

function checkSupplyPeriod(s: { start?: string; end?: string }): void {
  const start = s.start === undefined ? undefined : checkedInstant('start', s.start);
  const end = s.end === undefined ? undefined : checkedInstant('end', s.end);
  if (start !== undefined && end !== undefined && end <= start) throw new Error('end must be after start');
}
