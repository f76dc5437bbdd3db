import type { MeterRecord, UsagePointRecord } from '../../ports/network-store.port.js';
import type { MeterStatus } from './meter.js';

/**
 * What one Meter of a MeterConfig message says. `undefined` means "not sent": a change keeps
 * the stored value for it, a create leaves it empty.
 */
export interface MeterSpec {
  mRID?: string;
  names?: string[];
  serialNumber?: string;
  manufacturer?: string;
  model?: string;
  /** status/value as sent; see parseStatus. */
  status?: string;
  statusAt?: string;
  statusReason?: string;
  amrSystem?: string;
  meterType?: string;
  comModuleMRID?: string;
  communicationTechnology?: string;
  concentratorId?: string;
  /** True when a ComModule element was sent (a change that sends one replaces the comm path). */
  comModuleSent: boolean;
  usagePointMRIDs: string[];
}

export type UsagePointSpec = Partial<UsagePointRecord> & { names?: string[] };

/** The functional codes provisioning answers per item. */
export type ProvisioningCode = '2.4' | '2.12' | '2.13';

export interface ItemProblem {
  code: ProvisioningCode;
  details: string;
}

const STATUS: Record<string, MeterStatus> = {
  installed: 'installed', 'in-service': 'in-service', inservice: 'in-service', 'in service': 'in-service', energized: 'in-service', removed: 'removed',
};

/** CIM leaves status/value free text; these spellings are understood (case-insensitive). */
export function parseStatus(raw: string): MeterStatus | undefined {
  return STATUS[raw.trim().toLowerCase()];
}

/** Cellular modules talk to the head-end directly (scenario 2); PLC and RF through a concentrator (scenario 1). */
export const isPointToPointTechnology = (t: string | undefined): boolean => t !== undefined && /^(cellular|gprs|lte|nb-?iot|gsm|3g|4g|5g)$/i.test(t);

/** Same meter, attribute for attribute (names in order): what makes a resend a no-op. */
export function sameMeter(a: MeterRecord, b: MeterRecord): boolean {
  return canonical(a) === canonical(b);
}

export function sameUsagePoint(a: UsagePointRecord, b: UsagePointRecord): boolean {
  return canonical(a) === canonical(b);
}

function canonical(o: object): string {
  return JSON.stringify(Object.entries(o).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)));
}
