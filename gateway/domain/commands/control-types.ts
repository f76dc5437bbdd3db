import { z } from 'zod';
import type { HesCommandKind } from '../../ports/hes.port.js';

const kinds = ['connect', 'disconnect', 'arm', 'load-limit-set', 'load-limit-clear', 'time-sync', 'read'] as const satisfies readonly HesCommandKind[];

const tableSchema = z.object({
  types: z.array(z.object({
    code: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/),
    meaning: z.string(),
    hes: z.enum(kinds),
    confirmedBy: z.string().optional(),
    /** EndDeviceAction parts the command needs. */
    params: z.array(z.enum(['loadLimit'])).default([]),
    priority: z.number().int().default(0),
  })).min(1),
});

export type ControlType = z.infer<typeof tableSchema>['types'][number];

export interface PrioritySettings {
  /** HES command kind → priority, overriding the table. */
  byKind: Record<string, number>;
  /** Case-insensitive regular expression over the control's reason → priority (the highest match wins). */
  byReason: Record<string, number>;
}

/** The EndDeviceControlType table of mappings/: code → HES command, confirmation event, priority. */
export class ControlTypeTable {
  private readonly byCode = new Map<string, ControlType>();
  private readonly reasons: { re: RegExp; priority: number }[];

  constructor(json: unknown, private readonly priorities: PrioritySettings = { byKind: {}, byReason: {} }) {
    const table = tableSchema.parse(json);
    for (const t of table.types) {
      if (this.byCode.has(t.code)) throw new Error(`EndDeviceControlType ${t.code} listed twice`);
      this.byCode.set(t.code, t);
    }
    this.reasons = Object.entries(priorities.byReason).map(([re, priority]) => ({ re: new RegExp(re, 'i'), priority }));
  }

  get(code: string): ControlType | undefined {
    return this.byCode.get(code);
  }

  codes(): string[] {
    return [...this.byCode.keys()];
  }

  /** The code that confirms a HES command kind (for correlating pushed events). */
  confirmationOf(kind: HesCommandKind): string | undefined {
    return [...this.byCode.values()].find((t) => t.hes === kind && t.confirmedBy)?.confirmedBy;
  }

  /** Reason rules first (a disconnect for safety outranks everything), then kind, then the table. */
  priorityOf(type: ControlType, reason?: string): number {
    const base = this.priorities.byKind[type.hes] ?? type.priority;
    const fromReason = reason ? this.reasons.filter((r) => r.re.test(reason)).map((r) => r.priority) : [];
    return fromReason.length > 0 ? Math.max(base, ...fromReason) : base;
  }
}
