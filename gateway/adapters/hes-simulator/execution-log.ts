import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { HesCommand, HesOutcome } from '../../ports/hes.port.js';

export interface Execution {
  commandId: string;
  meter: string;
  kind: HesCommand['kind'];
  /** True when the command acted on the meter (false: refused without acting). */
  executed: boolean;
  outcome: HesOutcome;
  at: string;
}

/**
 * The simulator's durable record of every command it finished, one JSON line each, appended
 * before the answer leaves: a resend of a known commandId gets the recorded outcome and does
 * not act again, across restarts of the gateway and of the simulator. Tests read it to prove
 * "exactly once".
 */
export class ExecutionLog {
  private readonly byId = new Map<string, Execution>();
  readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'executions.jsonl');
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        // A torn last line (the simulator killed mid-write) is ignored: that command never answered.
        if (!line.trim()) continue;
        try {
          const e = JSON.parse(line) as Execution;
          this.byId.set(e.commandId, e);
        } catch { /* torn line */ }
      }
    }
  }

  get(commandId: string): Execution | undefined {
    return this.byId.get(commandId);
  }

  record(e: Execution): void {
    appendFileSync(this.file, `${JSON.stringify(e)}\n`);
    this.byId.set(e.commandId, e);
  }

  all(): Execution[] {
    return [...this.byId.values()];
  }

  /** Every line as written (duplicates would show here), for exactly-once checks. */
  static readLines(dir: string): Execution[] {
    const file = path.join(dir, 'executions.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Execution);
  }
}
