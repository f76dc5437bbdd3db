import type { AuditLog } from '../ports/audit-log.port.js';
import type { Admission, DisconnectGuard } from '../ports/disconnect-guard.port.js';
import { attr, child, children, text, type XNode } from '../xml/xnode.js';

export interface WindowCap {
  max: number;
  windowSeconds: number;
}

export const peerRefusal = (peer: string, cap: WindowCap, used: number, requested: number): Admission => ({
  ok: false, scope: 'peer', reason: `peer ${peer} may disconnect at most ${cap.max} devices per ${cap.windowSeconds} s; ${used} already, ${requested} requested`,
});

export const systemRefusal = (cap: WindowCap, used: number, requested: number): Admission => ({
  ok: false, scope: 'system', reason: `the system admits at most ${cap.max} disconnects per ${cap.windowSeconds} s; ${used} already, ${requested} requested`,
});

/** Admitted disconnects within one sliding window. */
class Window {
  private readonly entries: { at: number; count: number }[] = [];
  private total = 0;
  constructor(readonly cap: WindowCap) {}

  used(now: number): number {
    const from = now - this.cap.windowSeconds * 1000;
    while (this.entries.length > 0 && this.entries[0]!.at <= from) this.total -= this.entries.shift()!.count;
    return this.total;
  }

  add(at: number, count: number): void {
    this.entries.push({ at, count });
    this.total += count;
  }
}

/**
 * In-process sliding windows. A request is admitted whole or refused whole: half a disconnect
 * order is harder to reason about than none. The windows are rebuilt at start from the audit
 * log (restore), so a restart does not reset the caps.
 */
export class SlidingWindowDisconnectGuard implements DisconnectGuard {
  private readonly peers = new Map<string, Window>();
  private readonly system?: Window;

  constructor(private readonly caps: { perPeer?: WindowCap; system?: WindowCap }) {
    if (caps.system) this.system = new Window(caps.system);
  }

  /** Longest window: how far back restore must look. */
  get horizonSeconds(): number {
    return Math.max(this.caps.perPeer?.windowSeconds ?? 0, this.caps.system?.windowSeconds ?? 0);
  }

  async admit(peer: string, deviceCount: number, now: Date): Promise<Admission> {
    const t = now.getTime();
    const own = this.windowOf(peer);
    if (own) {
      const used = own.used(t);
      if (used + deviceCount > own.cap.max) {
        return peerRefusal(peer, own.cap, used, deviceCount);
      }
    }
    if (this.system) {
      const used = this.system.used(t);
      if (used + deviceCount > this.system.cap.max) {
        return systemRefusal(this.system.cap, used, deviceCount);
      }
    }
    this.restore(peer, deviceCount, now);
    return { ok: true };
  }

  /** Counts an admission without checking (replaying the audit log at start). */
  restore(peer: string, deviceCount: number, at: Date): void {
    this.windowOf(peer)?.add(at.getTime(), deviceCount);
    this.system?.add(at.getTime(), deviceCount);
  }

  private windowOf(peer: string): Window | undefined {
    if (!this.caps.perPeer) return undefined;
    let w = this.peers.get(peer);
    if (!w) this.peers.set(peer, (w = new Window(this.caps.perPeer)));
    return w;
  }
}

/**
 * How many devices an EndDeviceControls payload would disconnect: for each control whose
 * EndDeviceControlType is a disconnect code, its EndDevices and UsagePoints, plus the members
 * of its groups (a group is at least one device even when unknown here: the count errs high).
 */
export async function disconnectTargets(controls: XNode | undefined, codes: readonly string[], groupSize: (groupId: string) => Promise<number>): Promise<number> {
  let count = 0;
  for (const control of children(controls, 'EndDeviceControl')) {
    const code = attr(child(control, 'EndDeviceControlType'), 'ref');
    if (!code || !codes.includes(code)) continue;
    count += children(control, 'EndDevices').length + children(control, 'UsagePoints').length;
    for (const g of [...children(control, 'EndDeviceGroups'), ...children(control, 'UsagePointGroups')]) {
      const id = text(g, 'mRID') ?? text(child(g, 'Names'), 'name');
      count += Math.max(1, id ? await groupSize(id) : 1);
    }
  }
  return count;
}

/** Re-counts the disconnects admitted within the guard's horizon, from the audit log (after a restart). */
export async function restoreFromAudit(guard: SlidingWindowDisconnectGuard, audit: AuditLog, now: Date): Promise<void> {
  const since = new Date(now.getTime() - guard.horizonSeconds * 1000);
  let afterId: number | undefined;
  for (;;) {
    const page = await audit.query({ kind: 'disconnect.admitted', since, limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
    for (const e of page) if (e.peer && e.devices) guard.restore(e.peer, e.devices, e.at);
    if (page.length < 1000) return;
    afterId = page.at(-1)!.id;
  }
}
