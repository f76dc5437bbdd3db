import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HesSimulator, type SimulatorOptions } from '../../gateway/adapters/hes-simulator/hes-simulator.js';

/** A clock tests move by hand. */
export function manualClock(start = Date.parse('2026-11-20T12:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => { t += ms; }, set: (ms: number) => { t = ms; } };
}

/** A simulator on a temp folder with a manual clock; links default to healthy. */
export function tempSimulator(options: Partial<SimulatorOptions> = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hes-sim-'));
  const clock = manualClock();
  const sim = new HesSimulator({ dataDir, seed: 42, clock, ...options });
  return { sim, clock, dataDir, close: async () => { await sim.stop(); rmSync(dataDir, { recursive: true, force: true }); } };
}
