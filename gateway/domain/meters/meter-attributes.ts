import type { MeterRecord } from '../../ports/network-store.port.js';

/** CIM attributes only echoed back by `get MeterConfig`, in a fixed order so equal meters serialise equally. */
const ECHOED = ['amrSystem', 'meterType', 'communicationTechnology', 'comModuleMRID', 'statusAt', 'statusReason'] as const;

/** The echoed attributes as one JSON text (what the stores keep in meters.attrs), null when none. */
export function echoedAttributes(m: MeterRecord): string | null {
  const present = ECHOED.filter((k) => m[k] !== undefined);
  return present.length === 0 ? null : JSON.stringify(Object.fromEntries(present.map((k) => [k, m[k]])));
}
