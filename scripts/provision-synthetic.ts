// `npm run provision:synthetic -- --meters 100000 [--per-concentrator 500] [--p2p-percent 5]`
// Provisions a large synthetic network into the configured data folder (GATEWAY_DATA_DIR,
// GATEWAY_CONFIG as for `npm start`), through the same use case as create MeterConfig, so it
// is idempotent: running it twice changes nothing. For benchmarks and load tests.
import { parseArgs } from 'node:util';
import { createGateway } from '../gateway/app.js';
import { loadConfig } from '../gateway/config/config.js';
import { createLogger } from '../gateway/logging/logger.js';
import type { NetworkSeed } from '../gateway/domain/meters/network-seed.js';
import { provisioningDeps } from '../gateway/nouns/MeterConfig/register.js';
import { seedTopology } from '../gateway/use-cases/seed-topology.use-case.js';

const { values } = parseArgs({
  options: {
    meters: { type: 'string', default: '100000' },
    'per-concentrator': { type: 'string', default: '500' },
    'p2p-percent': { type: 'string', default: '5' },
  },
});
const meters = Number(values.meters);
const perConcentrator = Number(values['per-concentrator']);
const p2pPercent = Number(values['p2p-percent']);
if (![meters, perConcentrator, p2pPercent].every(Number.isFinite) || meters < 1 || perConcentrator < 1 || p2pPercent < 0 || p2pPercent > 100) {
  console.error('usage: provision-synthetic --meters N [--per-concentrator N] [--p2p-percent 0-100]');
  process.exit(2);
}

/** One transformer per concentrator (PLC stays on its transformer); point-to-point meters on transformers of their own. */
function syntheticSeed(total: number, perDc: number, p2pShare: number): NetworkSeed {
  const p2p = Math.round(total * p2pShare);
  const concentrated = total - p2p;
  const dcs = Math.ceil(concentrated / perDc);
  const pad = (n: number) => String(n).padStart(5, '0');
  const seed: NetworkSeed = { transformers: [], concentrators: [], meterGroups: [] };
  for (let d = 0; d < dcs; d++) {
    seed.transformers.push({ id: `TR-SYN-${pad(d)}`, feederId: `FD-SYN-${pad(Math.floor(d / 20))}` });
    seed.concentrators.push({
      id: `DC-SYN-${pad(d)}`, transformerId: `TR-SYN-${pad(d)}`, collections: [],
      // A spread of line lengths and noise, so the simulator has good and poor links to model.
      link: { transmitLevelDbuv: 120, pathLengthKm: 0.3 + (d % 10) * 0.2, attenuationDbPerKm: 12, couplingLossDb: 10, bypassLossDb: 5, noiseDbuv: 50 + (d % 7) * 3 },
    });
    seed.meterGroups.push({ prefix: `MTR-SYN-${pad(d)}-`, count: Math.min(perDc, concentrated - d * perDc), start: 1, digits: 4, concentratorId: `DC-SYN-${pad(d)}`, technology: 'PLC', transformerId: `TR-SYN-${pad(d)}` });
  }
  if (p2p > 0) {
    seed.transformers.push({ id: 'TR-SYN-P2P' });
    seed.meterGroups.push({ prefix: 'MTR-SYN-P2P-', count: p2p, start: 1, digits: 7, technology: 'CELLULAR', transformerId: 'TR-SYN-P2P' });
  }
  return seed;
}

const config = loadConfig();
const log = createLogger(config);
const gateway = createGateway(config, { log });
const started = performance.now();
const result = await seedTopology(provisioningDeps(gateway.deps), syntheticSeed(meters, perConcentrator, p2pPercent / 100));
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ meters: result.accepted, changed: result.changed, conflicts: result.errors.length, seconds: Number(seconds.toFixed(1)), metersPerSecond: Math.round(result.accepted / seconds), dataDir: config.dataDir }));
await gateway.stop();
