import type { AddressInfo } from 'node:net';
import { HttpHes } from '../../gateway/adapters/hes-http/hes.http.js';
import { ExecutionLog } from '../../gateway/adapters/hes-simulator/execution-log.js';
import { listenSimulator } from '../../gateway/adapters/hes-simulator/hes-simulator.server.js';
import { tempSimulator } from '../hes/sim-fixture.js';
import { hesContract } from './hes.contract.js';

hesContract('HTTP adapter against the simulator server', async () => {
  const t = tempSimulator();
  const server = await listenSimulator(t.sim, 0);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const hes = new HttpHes(url, { timeoutMs: 5000, pollMs: 60_000 });
  return {
    hes,
    advance: (ms) => t.clock.advance(ms),
    executions: async () => ExecutionLog.readLines(t.dataDir),
    setAvailable: async (available) => {
      await fetch(`${url}/hes/available`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ available }) });
    },
    flush: async () => { await hes.poll(); },
    close: async () => {
      await hes.close();
      await new Promise<void>((r) => server.close(() => r()));
      await t.close();
    },
  };
});
