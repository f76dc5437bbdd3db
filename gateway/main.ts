import { loadConfig, ConfigError } from './config/config.js';
import { createLogger } from './logging/logger.js';
import { openGateway } from './composition/open-gateway.js';
import { provisioningDeps } from './nouns/MeterConfig/register.js';
import { readNetworkSeed, seedTopology } from './use-cases/seed-topology.use-case.js';
import { TransportPolicyError, transportWarning } from './security/tls-listener.js';

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
  let gateway;
  try {
    gateway = await openGateway(config, { log });
  } catch (err) {
    if (err instanceof TransportPolicyError) {
      log.fatal(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (config.demo.enabled) {
    // Before listening, so the first `get MeterConfig` already sees the demo network.
    const seeded = await seedTopology(provisioningDeps(gateway.deps), readNetworkSeed(config.demo.seedFile));
    log.info({ seedFile: config.demo.seedFile, meters: seeded.accepted, changed: seeded.changed, conflicts: seeded.errors.length }, 'demo network provisioned');
  }
  gateway.start();
  const server = await gateway.listen();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  log.info({ host: config.http.host, port, tls: Boolean(config.security.tls), profile: config.profile, dataDir: config.dataDir }, 'gateway listening');
  if (config.profile === 'cluster' && config.hes.mode === 'embedded') {
    log.warn('cluster profile with the built-in HES simulator: each instance simulates its own head-end; run one simulator process and set hes.mode=http (docs/cluster.md)');
  }
  const warning = transportWarning(config);
  if (warning) log.warn(warning);

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
