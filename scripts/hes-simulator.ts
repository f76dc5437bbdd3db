// The HES simulator as its own process, speaking the HTTP API of adapters/hes-simulator/hes-simulator.server.ts.
//   node --import tsx scripts/hes-simulator.ts
// Environment: HES_SIM_PORT (default 8090; 0 picks a free port), HES_SIM_HOST (127.0.0.1),
// HES_SIM_DATA_DIR (./data/hes-simulator), HES_SIM_SEED (1), HES_SIM_TIME_SCALE (1: real link latency),
// HES_SIM_CONFIG (JSON file with more SimulatorOptions: concentrators, defaultLink, cellular, retryBudget,
// collectSchedule, …). Prints one JSON line {"msg":"hes simulator listening","port":…} when ready.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { HesSimulator, type SimulatorOptions } from '../gateway/adapters/hes-simulator/hes-simulator.js';
import { listenSimulator } from '../gateway/adapters/hes-simulator/hes-simulator.server.js';
import { repoRoot } from '../gateway/config/config.js';

const env = process.env;
const extra = env.HES_SIM_CONFIG ? (JSON.parse(readFileSync(env.HES_SIM_CONFIG, 'utf8')) as Partial<SimulatorOptions>) : {};
const sim = new HesSimulator({
  ...extra,
  dataDir: env.HES_SIM_DATA_DIR ?? extra.dataDir ?? path.join(repoRoot, 'data', 'hes-simulator'),
  seed: Number(env.HES_SIM_SEED ?? extra.seed ?? 1),
  timeScale: Number(env.HES_SIM_TIME_SCALE ?? extra.timeScale ?? 1),
});
const server = await listenSimulator(sim, Number(env.HES_SIM_PORT ?? 8090), env.HES_SIM_HOST ?? '127.0.0.1');
console.log(JSON.stringify({ msg: 'hes simulator listening', port: (server.address() as AddressInfo).port }));

const stop = () => {
  server.close();
  server.closeAllConnections();
  void sim.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
