import { z } from 'zod';

export type EventRole = 'power-off' | 'power-restored' | 'supply-disconnected' | 'supply-connected';

const entrySchema = z.object({
  code: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, 'a 4-part dotted EndDeviceEventType code'),
  meaning: z.string().min(1),
  category: z.string().min(1),
  role: z.enum(['power-off', 'power-restored', 'supply-disconnected', 'supply-connected']).optional(),
  severity: z.string().optional(),
  origin: z.enum(['hes', 'gateway']).default('hes'),
  hes: z.array(z.string()).default([]),
  statusWordBit: z.number().int().min(0).max(63).optional(),
});

const tableSchema = z.object({
  statusWordDetail: z.string().default('statusWord'),
  types: z.array(entrySchema).min(1),
});

export type EventTypeInfo = z.infer<typeof entrySchema>;

/** The result of reading what a sender put in EndDeviceEventType/ref (plus a status word). */
export interface ResolvedType {
  code: string;
  info?: EventTypeInfo;
  /** The vendor code or status word the code was mapped from, when it was mapped. */
  hesCode?: string;
}

/** mappings/end-device-event-types.json, validated once: CIM codes ⇄ HES codes and status-word bits. */
export class EventTypeTable {
  readonly statusWordDetail: string;
  private readonly byCode = new Map<string, EventTypeInfo>();
  private readonly byHes = new Map<string, EventTypeInfo>();
  private readonly byBit = new Map<number, EventTypeInfo>();

  constructor(json: unknown) {
    const table = tableSchema.parse(json);
    this.statusWordDetail = table.statusWordDetail;
    for (const t of table.types) {
      if (this.byCode.has(t.code)) throw new Error(`event type ${t.code} listed twice`);
      this.byCode.set(t.code, t);
      // Vendor codes are matched case-insensitively: head-ends are not consistent about it.
      for (const h of t.hes) this.byHes.set(h.toUpperCase(), t);
      if (t.statusWordBit !== undefined) {
        if (this.byBit.has(t.statusWordBit)) throw new Error(`status word bit ${t.statusWordBit} mapped twice`);
        this.byBit.set(t.statusWordBit, t);
      }
    }
  }

  info(code: string): EventTypeInfo | undefined {
    return this.byCode.get(code);
  }

  all(): EventTypeInfo[] {
    return [...this.byCode.values()];
  }

  /** A CIM code as is, else a vendor alias mapped to its CIM code, else the ref kept unknown. */
  resolve(ref: string): ResolvedType {
    const direct = this.byCode.get(ref);
    if (direct) return { code: ref, info: direct };
    const mapped = this.byHes.get(ref.toUpperCase());
    if (mapped) return { code: mapped.code, info: mapped, hesCode: ref };
    return { code: ref };
  }

  /**
   * A status word is a bit field (DLMS-style): each set bit is its own event. Bits the table
   * does not know are returned so the caller can keep them as a flagged event.
   */
  fromStatusWord(value: string): { types: EventTypeInfo[]; unmappedBits: number[] } | undefined {
    const word = parseWord(value);
    if (word === undefined) return undefined;
    const types: EventTypeInfo[] = [];
    const unmappedBits: number[] = [];
    for (let bit = 0; bit < 64; bit++) {
      if ((word >> BigInt(bit)) & 1n) {
        const t = this.byBit.get(bit);
        if (t) types.push(t);
        else unmappedBits.push(bit);
      }
    }
    return { types, unmappedBits };
  }
}

function parseWord(value: string): bigint | undefined {
  const v = value.trim();
  if (/^0x[0-9a-f]+$/i.test(v) || /^\d+$/.test(v)) return BigInt(v);
  if (/^[01]+b$/i.test(v)) return BigInt(`0b${v.slice(0, -1)}`);
  return undefined;
}
