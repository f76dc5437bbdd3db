import { z } from 'zod';
import type { MeterSpec, UsagePointSpec } from './meter-config.js';

const collection = z.object({ kind: z.enum(['load-profile', 'events']), cron: z.string().min(1) });

/**
 * A network described compactly: topology in full, meters as numbered groups (a group is the
 * meters of one concentrator, or point-to-point meters on one transformer).
 */
export const networkSeedSchema = z.object({
  description: z.string().optional(),
  transformers: z.array(z.object({ id: z.string().min(1), feederId: z.string().optional(), name: z.string().optional() })).default([]),
  concentrators: z.array(z.object({
    id: z.string().min(1), name: z.string().optional(), transformerId: z.string().optional(),
    /** Power-line-carrier budget used by the HES simulator; opaque to provisioning. */
    link: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
    collections: z.array(collection).default([]),
  })).default([]),
  meterGroups: z.array(z.object({
    prefix: z.string().min(1), count: z.number().int().min(0), start: z.number().int().min(0).default(1), digits: z.number().int().min(1).default(3),
    concentratorId: z.string().optional(), technology: z.string().optional(), transformerId: z.string().optional(), feederId: z.string().optional(),
    manufacturer: z.string().optional(), model: z.string().optional(),
  })).default([]),
});

export type NetworkSeed = z.infer<typeof networkSeedSchema>;
export type MeterGroup = NetworkSeed['meterGroups'][number];

/** Meters and usage points of one group: meter `<prefix>NNN` on usage point `UP-<prefix>NNN`. */
export function expandGroup(g: MeterGroup, from = 0, to = g.count): { meters: MeterSpec[]; usagePoints: UsagePointSpec[] } {
  const meters: MeterSpec[] = [];
  const usagePoints: UsagePointSpec[] = [];
  for (let i = from; i < Math.min(to, g.count); i++) {
    const id = `${g.prefix}${String(g.start + i).padStart(g.digits, '0')}`;
    const up = `UP-${id}`;
    meters.push({
      mRID: id, names: [`SN-${id}`], serialNumber: `SN-${id}`, status: 'in-service', comModuleSent: true, usagePointMRIDs: [up],
      ...(g.concentratorId ? { concentratorId: g.concentratorId } : {}), ...(g.technology ? { communicationTechnology: g.technology } : {}),
      ...(g.manufacturer ? { manufacturer: g.manufacturer } : {}), ...(g.model ? { model: g.model } : {}),
    });
    usagePoints.push({ mRID: up, names: [], serviceLocation: `SL-${id}`, customerAccount: `ACC-${id}`,
      ...(g.transformerId ? { transformerId: g.transformerId } : {}), ...(g.feederId ? { feederId: g.feederId } : {}) });
  }
  return { meters, usagePoints };
}
