import type { CimMessage } from '../../cim/message.js';
import type { DeviceRef } from '../../domain/meters/meter.js';
import type { Located, ReadingsSelection } from '../../use-cases/get-readings.use-case.js';
import { MSG_NS, nounNs } from '../../xml/namespaces.js';
import { child, children, text, type XNode } from '../../xml/xnode.js';

const GMR_NS = nounNs('GetMeterReadings');

function ref(node: XNode): DeviceRef | undefined {
  const mRID = text(node, 'mRID');
  if (mRID !== undefined) return { mRID };
  const name = text(child(node, 'Names'), 'name');
  return name !== undefined ? { name } : undefined;
}

function located<T>(nodes: XNode[], base: string, name: string, map: (n: XNode) => T | undefined): Located<T>[] {
  return nodes.flatMap((n, i) => {
    const value = map(n);
    return value === undefined ? [] : [{ value, xpath: `${base}/${nodes.length > 1 ? `${name}[${i + 1}]` : name}` }];
  });
}

/** Request option values by name (case-insensitive names, as peers differ). */
export function requestOption(message: CimMessage, name: string): string | undefined {
  const option = children(message.request, 'Option', MSG_NS).find((o) => text(o, 'name')?.toLowerCase() === name.toLowerCase());
  return text(option, 'value');
}

/**
 * Request (StartTime/EndTime, Option source=HES) + GetMeterReadings → what to read. The Request's
 * window wins over a TimeSchedule; of several TimeSchedules the first is used.
 */
export function readSelection(message: CimMessage): ReadingsSelection {
  const kind = message.typedName ?? message.kind;
  const base = `/${kind}/Request/GetMeterReadings`;
  const gmr = child(message.request, 'GetMeterReadings', GMR_NS);
  const interval = child(child(gmr, 'TimeSchedule'), 'scheduleInterval');
  const startText = text(message.request, 'StartTime') ?? text(interval, 'start');
  const endText = text(message.request, 'EndTime') ?? text(interval, 'end');
  const sel: ReadingsSelection = {
    endDevices: located(children(gmr, 'EndDevice'), base, 'EndDevice', ref),
    endDeviceGroups: located(children(gmr, 'EndDeviceGroup'), base, 'EndDeviceGroup', (n) => text(n, 'mRID') ?? text(child(n, 'Names'), 'name')),
    usagePoints: located(children(gmr, 'UsagePoint'), base, 'UsagePoint', ref),
    readingTypes: located(children(gmr, 'ReadingType'), base, 'ReadingType', (n) => text(n, 'mRID') ?? text(child(n, 'Names'), 'name')),
    fromHes: requestOption(message, 'source')?.toUpperCase() === 'HES',
    requestXpath: gmr ? base : `/${kind}/Request`,
  };
  if (startText) sel.start = new Date(startText);
  if (endText) sel.end = new Date(endText);
  return sel;
}
