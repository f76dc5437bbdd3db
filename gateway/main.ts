import { loadConfig, ConfigError } from './config/config.js';
import { createLogger } from './logging/logger.js';
import { createGateway } from './app.js';
import { provisioningDeps } from './nouns/MeterConfig/register.js';
import { readNetworkSeed, seedTopology } from './use-cases/seed-topology.use-case.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config);
  const gateway = createGateway(config, { log });
  if (config.demo.enabled) {
    // Before listening, so the first `get MeterConfig` already sees the demo network.
    const seeded = await seedTopology(provisioningDeps(gateway.deps), readNetworkSeed(config.demo.seedFile));
    log.info({ seedFile: config.demo.seedFile, meters: seeded.accepted, changed: seeded.changed, conflicts: seeded.errors.length }, 'demo network provisioned');
  }
  gateway.start();
  const server = await gateway.listen();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const local = ['127.0.0.1', 'localhost', '::1'].includes(config.http.host);
  log.info({ host: config.http.host, port, profile: config.profile, dataDir: config.dataDir }, 'gateway listening');
  if (!local) log.warn('plain HTTP on a non-loopback address: configure TLS before exposing the gateway');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    gateway.stop().then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
