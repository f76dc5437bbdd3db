import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../gateway/config/config.js';

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  /** Every JSON log line the process wrote so far (grows while it runs). */
  lines: Record<string, unknown>[];
}

/** Starts `gateway/main.ts` as a real process (as `npm start` does) and resolves with its port, read from its own log. */
export function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'gateway', 'main.ts')], {
    env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (line.msg === 'gateway listening') resolve({ child, port: line.port as number, lines });
      }
    });
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code} before listening`)));
  });
}
