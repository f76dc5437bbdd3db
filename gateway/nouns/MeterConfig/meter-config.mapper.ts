import type { DeviceRef } from '../../domain/meters/meter.js';
import type { MeterSpec, UsagePointSpec } from '../../domain/meters/meter-config.js';
import type { MeterRecord, UsagePointRecord } from '../../ports/network-store.port.js';
import type { MeterConfigQuery } from '../../use-cases/query-topology.use-case.js';
import { nounNs } from '../../xml/namespaces.js';
import { child, children, el, opt, text, textAt, type XNode } from '../../xml/xnode.js';

export const MC_NS = nounNs('MeterConfig');
export const GET_MC_NS = nounNs('GetMeterConfig');

/** Names/name values, or undefined when no Names element was sent (a change then keeps the stored ones). */
function names(node: XNode): string[] | undefined {
  const list = children(node, 'Names');
  return list.length === 0 ? undefined : list.map((n) => text(n, 'name')).filter((n): n is string => n !== undefined);
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function readMeter(m: XNode): MeterSpec {
  const com = child(m, 'ComModule');
  const status = child(m, 'status');
  return {
    ...defined({
      mRID: text(m, 'mRID'), names: names(m), serialNumber: text(m, 'serialNumber'), amrSystem: text(m, 'amrSystem'), meterType: text(m, 'type'),
      manufacturer: textAt(m, 'EndDeviceInfo', 'AssetModel', 'manufacturer'), model: textAt(m, 'EndDeviceInfo', 'AssetModel', 'modelNumber'),
      status: text(status, 'value'), statusAt: text(status, 'dateTime'), statusReason: text(status, 'reason'),
      comModuleMRID: text(com, 'mRID'), communicationTechnology: text(com, 'communicationTechnology'), concentratorId: text(com, 'ConcentratorID'),
    }),
    comModuleSent: com !== undefined,
    usagePointMRIDs: children(m, 'UsagePoints').map((u) => text(u, 'mRID')).filter((id): id is string => id !== undefined),
  };
}

export function readUsagePoint(u: XNode): UsagePointSpec {
  return defined({
    mRID: text(u, 'mRID'), names: names(u), serviceLocation: textAt(u, 'ServiceLocation', 'mRID'), customerAccount: textAt(u, 'CustomerAgreements', 'mRID'),
    transformerId: text(u, 'TransformerID'), feederId: text(u, 'FeederID'),
  });
}

export function readMeterConfig(node: XNode | undefined): { meters: MeterSpec[]; usagePoints: UsagePointSpec[] } {
  return { meters: children(node, 'Meter').map(readMeter), usagePoints: children(node, 'UsagePoint').map(readUsagePoint) };
}

/** The GetMeterConfig criteria; absent or empty asks for every meter. */
export function readGetMeterConfig(node: XNode | undefined): MeterConfigQuery {
  const ids = (name: string) => children(node, name).map((x) => text(x, 'mRID')).filter((id): id is string => id !== undefined);
  return {
    meters: children(node, 'Meter').flatMap((m): DeviceRef[] => {
      const mRID = text(m, 'mRID');
      if (mRID) return [{ mRID }];
      return (names(m) ?? []).slice(0, 1).map((name) => ({ name }));
    }),
    usagePoints: ids('UsagePoint'), concentrators: ids('Concentrator'), transformers: ids('Transformer'),
  };
}

const nameNodes = (list: string[]) => list.map((n) => el(MC_NS, 'Names', [el(MC_NS, 'name', n)]));

export function meterNode(m: MeterRecord): XNode {
  const com = Boolean(m.concentratorId || m.communicationTechnology || m.comModuleMRID);
  const model = Boolean(m.manufacturer || m.model);
  return el(MC_NS, 'Meter', [
    el(MC_NS, 'mRID', m.mRID),
    opt(MC_NS, 'amrSystem', m.amrSystem),
    opt(MC_NS, 'serialNumber', m.serialNumber),
    opt(MC_NS, 'type', m.meterType),
    com && el(MC_NS, 'ComModule', [opt(MC_NS, 'mRID', m.comModuleMRID), opt(MC_NS, 'communicationTechnology', m.communicationTechnology), opt(MC_NS, 'ConcentratorID', m.concentratorId)]),
    model && el(MC_NS, 'EndDeviceInfo', [el(MC_NS, 'AssetModel', [opt(MC_NS, 'manufacturer', m.manufacturer), opt(MC_NS, 'modelNumber', m.model)])]),
    ...nameNodes(m.names),
    el(MC_NS, 'status', [opt(MC_NS, 'dateTime', m.statusAt), opt(MC_NS, 'reason', m.statusReason), el(MC_NS, 'value', m.status)]),
    m.usagePointMRID !== undefined && el(MC_NS, 'UsagePoints', [el(MC_NS, 'mRID', m.usagePointMRID)]),
  ]);
}

export function usagePointNode(u: UsagePointRecord): XNode {
  return el(MC_NS, 'UsagePoint', [
    el(MC_NS, 'mRID', u.mRID),
    u.serviceLocation !== undefined && el(MC_NS, 'ServiceLocation', [el(MC_NS, 'mRID', u.serviceLocation)]),
    u.customerAccount !== undefined && el(MC_NS, 'CustomerAgreements', [el(MC_NS, 'mRID', u.customerAccount)]),
    ...nameNodes(u.names),
    opt(MC_NS, 'TransformerID', u.transformerId),
    opt(MC_NS, 'FeederID', u.feederId),
  ]);
}

export function meterConfigNode(meters: MeterRecord[], usagePoints: UsagePointRecord[]): XNode {
  return el(MC_NS, 'MeterConfig', [...meters.map(meterNode), ...usagePoints.map(usagePointNode)]);
}
