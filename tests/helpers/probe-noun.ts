import path from 'node:path';
import { repoRoot } from '../../gateway/config/config.js';
import { CimError } from '../../gateway/cim/errors.js';
import { ok, replyError } from '../../gateway/cim/reply.js';
import type { HandlerContext, HandlerRegistry } from '../../gateway/registry/handler-registry.js';
import { child, children, el, text } from '../../gateway/xml/xnode.js';

export const PROBES_NS = 'http://iec.ch/TC57/2011/Probes#';
export const probeSchemaFolders = [path.join(repoRoot, 'xsd'), path.join(repoRoot, 'tests', 'fixtures', 'xsd-probe')];

/**
 * A test-only noun driving the pipeline end to end: `create Probes` records each probe,
 * `get Probes` returns what was recorded. A probe named `unknown-*` is a functional error
 * (2.4), a probe named `crash` a technical one.
 */
export function probeNoun() {
  const calls: HandlerContext[] = [];
  const stored = new Map<string, number>();
  const register = (registry: HandlerRegistry) => {
    registry.register('Probes', 'create', {
      handle: async (ctx) => {
        calls.push(ctx);
        const probes = children(child(ctx.message.payload, 'Probes'), 'Probe');
        const errors = probes.filter((p) => text(p, 'mRID')!.startsWith('unknown-'))
          .map((p) => replyError('2.4', { details: `no probe ${text(p, 'mRID')}` }));
        if (probes.some((p) => text(p, 'mRID') === 'crash')) throw new Error('database unavailable');
        if (errors.length === probes.length) throw new CimError(errors);
        for (const p of probes) stored.set(text(p, 'mRID')!, Number(text(p, 'count') ?? 0));
        return { reply: errors.length ? { result: 'PARTIAL', errors } : ok() };
      },
    });
    registry.register('Probes', 'created', {
      handle: async (ctx) => {
        calls.push(ctx);
        for (const p of children(child(ctx.message.payload, 'Probes'), 'Probe')) stored.set(text(p, 'mRID')!, Number(text(p, 'count') ?? 0));
        return { reply: ok() };
      },
    });
    registry.register('Probes', 'get', {
      needsRequest: true,
      handle: async (ctx) => {
        calls.push(ctx);
        return {
          reply: ok(),
          payload: el(PROBES_NS, 'Probes', [...stored].map(([mrid, count]) => el(PROBES_NS, 'Probe', [el(PROBES_NS, 'mRID', mrid), el(PROBES_NS, 'count', count)]))),
        };
      },
    });
  };
  return { calls, stored, register };
}

export const probePayload = (...mrids: string[]) =>
  `<m:Payload><p:Probes xmlns:p="${PROBES_NS}">${mrids.map((m, i) => `<p:Probe><p:mRID>${m}</p:mRID><p:count>${i + 1}</p:count></p:Probe>`).join('')}</p:Probes></m:Payload>`;
