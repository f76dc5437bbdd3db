import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema, type GatewayConfig } from './config-schema.js';

// The schema (defaults and checks) lives in config-schema.ts; this file loads, merges and freezes.
export { configSchema, repoRoot, type GatewayConfig } from './config-schema.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Json, v) : v;
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Environment variables understood, mapped onto the config tree. */
function fromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  const set = (keys: string[], value: unknown) => {
    let node = out;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Json;
    node[keys[keys.length - 1]!] = value;
  };
  if (env.PORT) set(['http', 'port'], Number(env.PORT));
  if (env.HOST) set(['http', 'host'], env.HOST);
  if (env.GATEWAY_PROFILE) set(['profile'], env.GATEWAY_PROFILE);
  if (env.GATEWAY_DATA_DIR) set(['dataDir'], env.GATEWAY_DATA_DIR);
  if (env.DATABASE_URL) set(['databaseUrl'], env.DATABASE_URL);
  if (env.AMQP_URL) set(['amqpUrl'], env.AMQP_URL);
  if (env.DATABASE_POOL_SIZE) set(['database', 'poolSize'], Number(env.DATABASE_POOL_SIZE));
  if (env.LOG_LEVEL) set(['logLevel'], env.LOG_LEVEL);
  if (env.GATEWAY_SOURCE) set(['gateway', 'source'], env.GATEWAY_SOURCE);
  if (env.GATEWAY_DEMO) set(['demo', 'enabled'], !['0', 'false', 'no', 'off'].includes(env.GATEWAY_DEMO.toLowerCase()));
  if (env.GATEWAY_SCHEMA_FOLDERS) set(['schemas', 'folders'], env.GATEWAY_SCHEMA_FOLDERS.split(path.delimiter).filter(Boolean));
  if (env.I7_JOURNAL_RETENTION_DAYS) set(['i7', 'journal', 'retentionDays'], Number(env.I7_JOURNAL_RETENTION_DAYS));
  return out;
}

export class ConfigError extends Error {}

/**
 * Defaults → file (GATEWAY_CONFIG, JSON) → environment → explicit overrides (tests),
 * validated once and frozen: nothing reads process.env after this.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Json = {}): Readonly<GatewayConfig> {
  let fileConfig: Json = {};
  if (env.GATEWAY_CONFIG) {
    try {
      fileConfig = JSON.parse(readFileSync(env.GATEWAY_CONFIG, 'utf8')) as Json;
    } catch (err) {
      throw new ConfigError(`cannot read GATEWAY_CONFIG ${env.GATEWAY_CONFIG}: ${(err as Error).message}`);
    }
  }
  const merged = merge(merge(fileConfig, fromEnv(env)), overrides);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return deepFreeze(parsed.data);
}
