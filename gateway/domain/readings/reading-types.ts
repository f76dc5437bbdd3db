import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ReadingTypeInfo {
  code: string;
  channel: string;
  description: string;
  unit: string;
  kind: 'interval' | 'register';
}

/** What the gateway makes of a ReadingType ref: a channel, or why not (2.6 invalid, 2.10 unsupported). */
export type ReadingTypeVerdict =
  | { ok: true; info: ReadingTypeInfo }
  | { ok: false; code: '2.6' | '2.10'; reason: string };

const EIGHTEEN_FIELDS = /^\d+(\.\d+){17}$/;

/**
 * ReadingType code → channel, from mappings/reading-types.json. Codes a utility has not mapped are
 * not stored: nobody could ask for them by channel and a silent store would hide a HES
 * misconfiguration; the sender is told per reading type instead.
 */
export class ReadingTypeTable {
  private readonly byCode: ReadonlyMap<string, ReadingTypeInfo>;

  constructor(entries: readonly ReadingTypeInfo[]) {
    const map = new Map<string, ReadingTypeInfo>();
    for (const e of entries) {
      if (!EIGHTEEN_FIELDS.test(e.code)) throw new Error(`reading-types mapping: ${e.code} is not an 18-field code`);
      map.set(e.code, e);
    }
    this.byCode = map;
  }

  static load(file: string): ReadingTypeTable {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { readingTypes: ReadingTypeInfo[] };
    return new ReadingTypeTable(json.readingTypes);
  }

  classify(ref: string): ReadingTypeVerdict {
    const info = this.byCode.get(ref);
    if (info) return { ok: true, info };
    if (!EIGHTEEN_FIELDS.test(ref)) return { ok: false, code: '2.6', reason: `ReadingType '${ref}' is not an 18-field dotted code` };
    return { ok: false, code: '2.10', reason: `ReadingType ${ref} is not mapped to a channel of this gateway (mappings/reading-types.json)` };
  }

  all(): ReadingTypeInfo[] {
    return [...this.byCode.values()];
  }
}

export const defaultReadingTypesFile = (repoRoot: string) => path.join(repoRoot, 'mappings', 'reading-types.json');
