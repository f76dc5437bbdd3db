import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../gateway/config/config.js';
import { replyOf } from '../helpers/messages.js';

export interface Started {
  child: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Starts a TypeScript entry point as a real process and resolves with the port its ready line names. */
export function startProcess(entry: string, env: Record<string, string>, readyMsg: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, entry)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffer = '';
    let ready = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let line: Record<string, unknown>;
        try { line = JSON.parse(text) as Record<string, unknown>; } catch { continue; }
        lines.push(line);
        if (!ready && line.msg === readyMsg) {
          ready = true;
          resolve({ child, port: line.port as number, lines, exited });
        }
      }
    });
    void exited.then((code) => { if (!ready) reject(new Error(`${entry} exited with ${code} before it was ready`)); });
  });
}

/**
 * Replies a peer received for `requests` async requests: every one OK, one per request — at-least-once
 * delivery may repeat a reply after a kill, but always the same message (same MessageID).
 */
export function assertOneOkReplyPerRequest(bodies: string[], requests: number): void {
  const byRequest = new Map<string, Set<string>>();
  for (const body of bodies) {
    const x = replyOf(body);
    assert.equal(x.result, 'OK', body);
    byRequest.set(x.correlationId!, (byRequest.get(x.correlationId!) ?? new Set()).add(x.messageId!));
  }
  assert.equal(byRequest.size, requests);
  assert.ok([...byRequest.values()].every((s) => s.size === 1), 'one reply message per request');
}
