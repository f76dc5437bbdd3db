// npm run i8:clients -- add --id sec --scopes readings:read,reports:read --data regulator [--name "Superintendencia"] [--token]
// npm run i8:clients -- add --id esco --scopes readings:read --data third-party
// npm run i8:clients -- add --id app-42 --scopes readings:read --data customer --usage-point UP-42 [--start 2026-03-01T00:00:00-03:00] [--end …]
// npm run i8:clients -- add --id dwh --name "Data warehouse (I7)" --scopes export:read --data regulator   (I7 incremental export)
// npm run i8:clients -- list | disable --id X | enable --id X | token --id X --secret S
// Works on the configured data folder (GATEWAY_DATA_DIR / GATEWAY_CONFIG), like the gateway itself.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteClientRegistry } from '../gateway/adapters/sqlite/client-registry.sqlite.js';
import { openSqlite } from '../gateway/adapters/sqlite/sqlite-database.js';
import { loadConfig } from '../gateway/config/config.js';
import { verifySecret } from '../gateway/i8/client-secret.js';
import { registerClient } from '../gateway/i8/register-client.js';
import { TokenIssuer } from '../gateway/i8/token-issuer.js';
import type { DataScope } from '../gateway/ports/client-registry.port.js';

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    id: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' }, data: { type: 'string' },
    'usage-point': { type: 'string' }, start: { type: 'string' }, end: { type: 'string' }, secret: { type: 'string' }, token: { type: 'boolean' },
  },
});
const fail = (msg: string): never => {
  console.error(msg);
  process.exit(2);
};

const config = loadConfig();
const db = openSqlite(path.join(config.dataDir, 'gateway.sqlite'));
const clients = new SqliteClientRegistry(db);
const issuer = () => TokenIssuer.open(config.i8, path.join(config.dataDir, 'i8-issuer-key.json'));

try {
  if (command === 'add') {
    const id = values.id ?? fail('--id is required');
    const kind = values.data ?? 'third-party';
    let dataScope: DataScope;
    if ((values.start || values.end) && kind !== 'customer') fail('--start / --end bound a customer client\'s supply; a third party\'s periods are its consents');
    if (kind === 'regulator' || kind === 'third-party') dataScope = { kind };
    else if (kind === 'customer') {
      dataScope = {
        kind, usagePoint: values['usage-point'] ?? fail('--usage-point is required for a customer client'),
        ...(values.start ? { start: values.start } : {}), ...(values.end ? { end: values.end } : {}),
      };
    }
    else dataScope = fail('--data is regulator, third-party or customer');
    const scopes = (values.scopes ?? fail('--scopes is required (comma-separated)')).split(',').map((s) => s.trim()).filter(Boolean);
    const { secret } = await registerClient(clients, { id, scopes, dataScope, ...(values.name ? { name: values.name } : {}) }, new Date());
    console.log(JSON.stringify({ client_id: id, client_secret: secret, scopes, dataScope }, null, 2));
    console.error('The secret is shown once; only its scrypt hash is stored.');
    if (values.token) console.log((await issuer().issue(id, scopes, new Date())).token);
  } else if (command === 'token') {
    const c = await clients.get(values.id ?? fail('--id is required')) ?? fail(`no client ${values.id}`);
    if (!(await verifySecret(values.secret ?? fail('--secret is required'), c.secretHash))) fail('wrong secret');
    console.log((await issuer().issue(c.id, c.scopes, new Date())).token);
  } else if (command === 'list') {
    for (const c of await clients.list()) console.log(JSON.stringify({ id: c.id, name: c.name, scopes: c.scopes, dataScope: c.dataScope, disabled: c.disabled }));
  } else if (command === 'disable' || command === 'enable') {
    if (!(await clients.setDisabled(values.id ?? fail('--id is required'), command === 'disable'))) fail(`no client ${values.id}`);
    console.log(`${values.id} ${command}d`);
  } else {
    fail('usage: i8-clients add|list|token|disable|enable (see the head of scripts/i8-clients.ts)');
  }
} finally {
  db.close();
}
