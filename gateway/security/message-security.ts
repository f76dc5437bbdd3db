import type { CimMessage } from '../cim/message.js';
import { replyError, type ReplyError } from '../cim/reply.js';
import type { Logger } from '../logging/logger.js';
import type { AuditEntry, AuditLog } from '../ports/audit-log.port.js';
import type { DisconnectGuard } from '../ports/disconnect-guard.port.js';
import { child } from '../xml/xnode.js';
import { mayCall, maySpeakFor, mayUseInterface } from './access-policy.js';
import { disconnectTargets } from './disconnect-guard.js';
import { isLocalPeer, type AuthOutcome, type Peer } from './peer-identity.js';
import type { InterfaceName } from './security-config.js';

export interface MessageSecurityDeps {
  audit: AuditLog;
  log: Logger;
  guard?: DisconnectGuard;
  disconnectCodes: readonly string[];
  /** Members of an EndDeviceGroup / UsagePointGroup, for counting group disconnects. */
  groupSize: (groupId: string) => Promise<number>;
  /** Resolves once the guard's windows are rebuilt from the audit log. */
  guardReady?: Promise<void>;
}

/** Where a message came from and who sent it, as the processor knows it. */
export interface Caller {
  auth: AuthOutcome;
  iface: InterfaceName;
  remoteAddress?: string;
}

type Checked = { peer: Peer } | { errors: ReplyError[] };

/**
 * The security steps of the message pipeline. Each refusal is a Reply error (7.x, 2.14, 6.1)
 * and an audit entry; nothing here throws for a refusal, so no refusal is ever silent.
 */
export class MessageSecurity {
  constructor(private readonly deps: MessageSecurityDeps) {}

  /** After the Header check: the caller is authenticated and Header/Source is its own. */
  async identify(caller: Caller, message: CimMessage, kind: string, now: Date): Promise<Checked> {
    const { auth, iface } = caller;
    const base = this.entry(caller, message, now);
    if (!auth.ok) {
      await this.record({ ...base, kind: 'auth.failed', code: auth.code, detail: auth.detail, ...(auth.claimed ? { peer: auth.claimed } : {}) });
      return { errors: [replyError(auth.code, { details: auth.reason, xpath: `/${kind}/Header` })] };
    }
    const peer = auth.peer;
    if (!mayUseInterface(peer, iface)) {
      await this.record({ ...base, kind: 'access.refused', peer: peer.id, code: '7.5', detail: `interface ${iface} not granted` });
      return { errors: [replyError('7.5', { details: `${peer.id} may not use ${iface}` })] };
    }
    const source = message.header.source;
    // Real MDMs omit Source; the authenticated identity then is the Source (idempotency keys use it).
    if (source === undefined) {
      if (!isLocalPeer(peer)) message.header.source = peer.sources[0];
      return { peer };
    }
    if (!maySpeakFor(peer, source)) {
      await this.record({ ...base, kind: 'source.mismatch', peer: peer.id, code: '2.14', detail: `Source ${source} is not ${peer.sources.join(' or ')}` });
      return { errors: [replyError('2.14', { details: `Header/Source ${source} does not match the authenticated peer ${peer.id}`, xpath: `/${kind}/Header/Source` })] };
    }
    return { peer };
  }

  /** Before routing: the (verb, noun) pair is granted to the peer on this interface. */
  async authorise(caller: Caller, peer: Peer, message: CimMessage, kind: string, now: Date): Promise<ReplyError[]> {
    const { verb, noun } = message.header;
    if (mayCall(peer, caller.iface, verb!, noun!)) return [];
    await this.record({ ...this.entry(caller, message, now), kind: 'access.refused', peer: peer.id, code: '7.5', detail: `(${verb}, ${noun}) not granted on ${caller.iface}` });
    return [replyError('7.5', { details: `${peer.id} may not ${verb} ${noun} on ${caller.iface}`, xpath: `/${kind}/Header/Verb` })];
  }

  /**
   * Once the message is claimed (so a repeat replays the answer instead of counting again):
   * disconnect commands pass the guard, and every disconnect, admitted or not, is audited.
   */
  async admitEffects(caller: Caller, peer: Peer, message: CimMessage, now: Date): Promise<ReplyError[]> {
    const { verb, noun } = message.header;
    if (verb !== 'create' || noun !== 'EndDeviceControls') return [];
    const devices = await disconnectTargets(child(message.payload, 'EndDeviceControls'), this.deps.disconnectCodes, this.deps.groupSize);
    if (devices === 0) return [];
    const base = { ...this.entry(caller, message, now), peer: peer.id, devices };
    await this.deps.guardReady;
    const admission = (await this.deps.guard?.admit(peer.id, devices, now)) ?? { ok: true as const };
    if (admission.ok) {
      await this.deps.audit.append({ ...base, kind: 'disconnect.admitted' });
      this.deps.log.info({ audit: 'disconnect.admitted', peer: peer.id, devices, messageId: base.messageId }, 'security event');
      return [];
    }
    await this.record({ ...base, kind: 'disconnect.refused', code: '6.1', detail: admission.reason });
    return [replyError('6.1', { reason: 'canceled per business rule: remote disconnect cap reached', details: admission.reason })];
  }

  private entry(caller: Caller, message: CimMessage, now: Date): Omit<AuditEntry, 'kind'> {
    const h = message.header;
    const e: Omit<AuditEntry, 'kind'> = { at: now, interface: caller.iface };
    if (caller.remoteAddress) e.remoteAddress = caller.remoteAddress;
    if (h.verb) e.verb = h.verb;
    if (h.noun) e.noun = h.noun;
    if (h.source) e.source = h.source;
    if (h.messageId) e.messageId = h.messageId;
    return e;
  }

  private async record(entry: AuditEntry): Promise<void> {
    // Also to the log, so a SIEM reading logs sees refusals; the entry carries no secret.
    this.deps.log.warn({ audit: entry.kind, peer: entry.peer, interface: entry.interface, code: entry.code, detail: entry.detail, messageId: entry.messageId }, 'security event');
    await this.deps.audit.append(entry);
  }
}
