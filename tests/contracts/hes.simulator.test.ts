import { ExecutionLog } from '../../gateway/adapters/hes-simulator/execution-log.js';
import { tempSimulator } from '../hes/sim-fixture.js';
import { hesContract } from './hes.contract.js';

hesContract('embedded simulator', async () => {
  const t = tempSimulator();
  return {
    hes: t.sim,
    advance: (ms) => t.clock.advance(ms),
    executions: async () => ExecutionLog.readLines(t.dataDir),
    setAvailable: async (a) => t.sim.setAvailable(a),
    flush: async () => undefined,
    close: t.close,
  };
});
