import { CimError } from '../cim/errors.js';
import { replyError, type ReplyError } from '../cim/reply.js';
import { commandIdFor, type CommandRequest, type NewCommand } from '../domain/commands/command.js';
import type { ControlRequest, TargetRef } from '../domain/commands/control-request.js';
import type { ControlTypeTable } from '../domain/commands/control-types.js';
import { refKey, type MeterInfo } from '../domain/meters/meter.js';
import type { Clock } from '../ports/clock.port.js';
import type { AcceptResult, CommandQueue } from '../ports/command-queue.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';

export interface AcceptDeps {
  queue: CommandQueue;
  meters: MeterRegistry;
  table: ControlTypeTable;
  clock: Clock;
  maxDevices: number;
}

/** The request as the accept step sees it: its refusals are not known yet. */
export interface RequestMeta extends Omit<CommandRequest, 'rejected'> {
  /** The sender's MessageID when it sent one (absent: de-duplicate by EndDeviceControl mRID). */
  senderMessageId?: string;
}

export interface Accepted {
  result: AcceptResult;
  /** Devices or controls refused (2.4 unknown meter, 1.7 missing load limit, …). */
  rejected: ReplyError[];
}

/** Meters a control targets, one per device; what cannot be resolved becomes an error naming it. */
async function targetsOf(c: ControlRequest, meters: MeterRegistry, errors: ReplyError[]): Promise<{ meter: MeterInfo; label: string }[]> {
  const out: { meter: MeterInfo; label: string }[] = [];
  const asRef = (d: TargetRef) => (d.mRID !== undefined ? { mRID: d.mRID } : { name: d.name ?? '' });
  const resolved = await meters.resolve(c.devices.map(asRef));
  c.devices.forEach((d) => {
    const m = resolved.get(refKey(asRef(d)));
    if (!m || m.status === 'removed') errors.push(replyError('2.4', { details: `EndDevice ${d.label}: ${m ? 'removed' : 'no such meter'}; no command created`, xpath: d.xpath }));
    else out.push({ meter: m, label: d.label });
  });
  const expand = async (refs: TargetRef[], find: (id: string) => Promise<MeterInfo[]>, code: '2.4' | '2.12', what: string) => {
    for (const r of refs) {
      const members = (await find(r.mRID ?? r.name ?? '')).filter((m) => m.status !== 'removed');
      if (members.length === 0) errors.push(replyError(code, { details: `${what} ${r.label}: no meters found; no command created`, xpath: r.xpath }));
      for (const m of members) out.push({ meter: m, label: m.mRID });
    }
  };
  await expand(c.groups, (id) => meters.group(id), '2.4', 'EndDeviceGroup');
  await expand(c.usagePoints, (id) => meters.byUsagePoint(id), '2.12', 'UsagePoint');
  for (const g of c.usagePointGroups) errors.push(replyError('2.12', { details: `UsagePointGroup ${g.label}: not supported; name the meters, usage points or an EndDeviceGroup`, xpath: g.xpath }));
  if (c.devices.length + c.groups.length + c.usagePoints.length + c.usagePointGroups.length === 0) {
    errors.push(replyError('1.7', { details: 'the EndDeviceControl names no EndDevices, EndDeviceGroups or UsagePoints', xpath: c.xpath }));
  }
  // A meter named twice in one control (directly and through its group) gets one command.
  return out.filter((t, i) => out.findIndex((o) => o.meter.mRID === t.meter.mRID) === i);
}

/**
 * create EndDeviceControls: each control × device becomes one command with a stable id; the
 * request and its commands are stored together (a re-run after a crash doubles nothing).
 */
export async function acceptCommands(controls: ControlRequest[], meta: RequestMeta, deps: AcceptDeps): Promise<Accepted> {
  const rejected: ReplyError[] = [];
  const commands: NewCommand[] = [];
  for (const c of controls) {
    const type = deps.table.get(c.type);
    if (!type) {
      rejected.push(replyError('5.2', { details: `EndDeviceControlType ${c.type} is not in mappings/end-device-control-types.json (known: ${deps.table.codes().join(', ')})`, xpath: `${c.xpath}/EndDeviceControlType` }));
      continue;
    }
    if (type.params.includes('loadLimit') && !(c.loadLimit && Number.isFinite(c.loadLimit.value) && c.loadLimit.value > 0)) {
      rejected.push(replyError('1.7', { details: `${c.type} (${type.hes}) needs EndDeviceAction/loadLimit with a positive value`, xpath: `${c.xpath}/EndDeviceAction` }));
      continue;
    }
    const params: Record<string, string | number> = {};
    if (c.end) params.notAfter = c.end.toISOString();
    if (c.loadLimit && type.params.includes('loadLimit')) Object.assign(params, { loadLimit: c.loadLimit.value, loadLimitUnit: c.loadLimit.unit ?? 'W' });
    // Without a MessageID the control's own mRID is what makes a resend recognisable.
    const scope = meta.senderMessageId !== undefined ? `msg:${meta.senderMessageId}` : c.mRID !== undefined ? 'ctl' : `msg:${meta.messageId}`;
    for (const t of await targetsOf(c, deps.meters, rejected)) {
      const commandKey = [meta.source, scope, c.mRID ?? `#${c.index + 1}`, t.meter.mRID].join('|');
      commands.push({
        commandId: commandIdFor(commandKey), commandKey, meter: t.meter.mRID, deviceLabel: t.label, kind: type.hes, controlType: type.code,
        source: meta.source, params, priority: deps.table.priorityOf(type, c.reason),
        ...(c.mRID !== undefined ? { controlMRID: c.mRID } : {}), ...(c.reason !== undefined ? { reason: c.reason } : {}),
        ...(c.start ? { notBefore: c.start } : {}), ...(c.end ? { notAfter: c.end } : {}),
      });
    }
  }
  if (commands.length > deps.maxDevices) {
    throw new CimError(replyError('3.1', { details: `${commands.length} device commands in one request; at most ${deps.maxDevices}: split the request` }));
  }
  const request: CommandRequest = {
    source: meta.source, messageId: meta.messageId, correlationId: meta.correlationId, verb: meta.verb, typed: meta.typed, rewrite: meta.rewrite,
    rejected: rejected.map((e) => ({ code: e.code, details: e.details ?? '', ...(e.xpath ? { xpath: e.xpath } : {}) })),
    ...(meta.replyAddress ? { replyAddress: meta.replyAddress, protocol: meta.protocol ?? 'SOAP' } : {}),
  };
  if (commands.length === 0) throw new CimError(rejected);
  const result = await deps.queue.accept(request, commands, deps.clock.now());
  return { result, rejected };
}
