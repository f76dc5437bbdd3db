import type { Command } from '../../domain/commands/command.js';
import type { ControlRequest, TargetRef } from '../../domain/commands/control-request.js';
import { nounNs } from '../../xml/namespaces.js';
import { attr, child, children, el, opt, text, type XNode } from '../../xml/xnode.js';

export const EDC_NS = nounNs('EndDeviceControls');

const dateOf = (s: string | undefined): Date | undefined => (s ? new Date(s) : undefined);

function refs(control: XNode, name: string, xpath: string): TargetRef[] {
  return children(control, name).map((n, j) => {
    const mRID = text(n, 'mRID');
    const name0 = text(child(n, 'Names'), 'name');
    const at = `${xpath}/${name}${children(control, name).length > 1 ? `[${j + 1}]` : ''}`;
    return mRID !== undefined ? { mRID, label: mRID, xpath: at } : { ...(name0 !== undefined ? { name: name0 } : {}), label: name0 ?? '(no mRID or name)', xpath: at };
  });
}

/**
 * EndDeviceControls payload → control requests. The window is scheduledInterval (later editions)
 * when given, else primaryDeviceTiming/interval (2011); EndDeviceAction/startDateTime is the start
 * when neither window gives one.
 */
export function readEndDeviceControls(payload: XNode, kind: string): ControlRequest[] {
  const controls = children(payload, 'EndDeviceControl');
  return controls.map((c, i) => {
    const xpath = `/${kind}/Payload/EndDeviceControls/EndDeviceControl${controls.length > 1 ? `[${i + 1}]` : ''}`;
    const action = child(c, 'EndDeviceAction');
    const window = child(c, 'scheduledInterval') ?? child(child(c, 'primaryDeviceTiming'), 'interval');
    const start = dateOf(text(window, 'start')) ?? dateOf(text(action, 'startDateTime'));
    const end = dateOf(text(window, 'end'));
    const limit = child(action, 'loadLimit');
    const value = text(limit, 'value');
    const unit = text(limit, 'unit');
    const mRID = text(c, 'mRID');
    const reason = text(c, 'reason');
    return {
      index: i, xpath, type: attr(child(c, 'EndDeviceControlType'), 'ref') ?? '',
      ...(mRID !== undefined ? { mRID } : {}), ...(reason !== undefined ? { reason } : {}),
      ...(start ? { start } : {}), ...(end ? { end } : {}),
      ...(value !== undefined ? { loadLimit: { value: Number(value), ...(unit ? { unit } : {}) } } : {}),
      devices: refs(c, 'EndDevices', xpath),
      groups: refs(c, 'EndDeviceGroups', xpath),
      usagePoints: refs(c, 'UsagePoints', xpath),
      usagePointGroups: refs(c, 'UsagePointGroups', xpath),
    };
  });
}

/** The controls' mRIDs a cancel names (with the meters it narrows to, if any). */
export function readCancelTargets(payload: XNode, kind: string): { mRID?: string; meters: string[]; xpath: string }[] {
  return readEndDeviceControls(payload, kind).map((c) => ({
    ...(c.mRID !== undefined ? { mRID: c.mRID } : {}), xpath: c.xpath,
    meters: c.devices.map((d) => d.mRID).filter((m): m is string => m !== undefined),
  }));
}

const outcomeText = (c: Command): string => (c.detail ? `${c.state}: ${c.detail}` : c.state);

/**
 * The per-device commands as an EndDeviceControls payload: one EndDeviceControl per command,
 * mRID = commandId, issuerTrackingID = the sender's control mRID, reason = its state (and detail),
 * EndDevices = the meter. This is how a sender learns which command is which device.
 */
export function commandsPayload(commands: Command[]): XNode {
  return el(EDC_NS, 'EndDeviceControls', commands.map((c) => el(EDC_NS, 'EndDeviceControl', [
    el(EDC_NS, 'mRID', c.commandId),
    opt(EDC_NS, 'issuerTrackingID', c.controlMRID),
    el(EDC_NS, 'reason', outcomeText(c).slice(0, 500)),
    el(EDC_NS, 'EndDeviceControlType', undefined, { ref: c.controlType }),
    el(EDC_NS, 'EndDevices', [el(EDC_NS, 'mRID', c.meter)]),
  ])));
}
