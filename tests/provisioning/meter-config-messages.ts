import type { HesMeter, HesPort } from '../../gateway/ports/hes.port.js';
import type { EventPublisher, PublishedEvent } from '../../gateway/ports/event-publisher.port.js';
import { message } from '../helpers/messages.js';

export const MC = 'http://iec.ch/TC57/2011/MeterConfig#';
export const GMC = 'http://iec.ch/TC57/2011/GetMeterConfig#';

export interface MeterXml {
  mRID?: string;
  name?: string;
  serial?: string;
  concentrator?: string;
  tech?: string;
  up?: string | string[];
  status?: string;
}

export function meterXml(m: MeterXml): string {
  const ups = m.up === undefined ? [] : Array.isArray(m.up) ? m.up : [m.up];
  const com = m.concentrator || m.tech ? `<c:ComModule>${m.tech ? `<c:communicationTechnology>${m.tech}</c:communicationTechnology>` : ''}${m.concentrator ? `<c:ConcentratorID>${m.concentrator}</c:ConcentratorID>` : ''}</c:ComModule>` : '';
  return `<c:Meter>${m.mRID ? `<c:mRID>${m.mRID}</c:mRID>` : ''}${m.serial ? `<c:serialNumber>${m.serial}</c:serialNumber>` : ''}${com}`
    + `<c:EndDeviceInfo><c:AssetModel><c:manufacturer>Enel</c:manufacturer><c:modelNumber>SM2.0</c:modelNumber></c:AssetModel></c:EndDeviceInfo>`
    + `${m.name ? `<c:Names><c:name>${m.name}</c:name></c:Names>` : ''}${m.status ? `<c:status><c:value>${m.status}</c:value></c:status>` : ''}`
    + ups.map((u) => `<c:UsagePoints><c:mRID>${u}</c:mRID></c:UsagePoints>`).join('') + '</c:Meter>';
}

export const upXml = (mRID: string, transformer?: string, account = `ACC-${mRID}`) =>
  `<c:UsagePoint><c:mRID>${mRID}</c:mRID><c:ServiceLocation><c:mRID>SL-${mRID}</c:mRID></c:ServiceLocation><c:CustomerAgreements><c:mRID>${account}</c:mRID></c:CustomerAgreements>${transformer ? `<c:TransformerID>${transformer}</c:TransformerID><c:FeederID>FD-1</c:FeederID>` : ''}</c:UsagePoint>`;

export const mcPayload = (meters: string[], ups: string[] = []) => `<m:Payload><c:MeterConfig xmlns:c="${MC}">${meters.join('')}${ups.join('')}</c:MeterConfig></m:Payload>`;

export const mcRequest = (verb: 'create' | 'change' | 'delete', messageId: string, meters: string[], ups: string[] = []) =>
  message('RequestMessage', { verb, noun: 'MeterConfig', messageId }, mcPayload(meters, ups));

export interface GetCriteria {
  meters?: string[];
  meterNames?: string[];
  usagePoints?: string[];
  concentrators?: string[];
  transformers?: string[];
}

export function getRequest(messageId: string, c?: GetCriteria, options: Record<string, string> = {}, header: Record<string, unknown> = {}): string {
  const ids = (tag: string, list?: string[]) => (list ?? []).map((id) => `<g:${tag}><g:mRID>${id}</g:mRID></g:${tag}>`).join('');
  const names = (c?.meterNames ?? []).map((n) => `<g:Meter><g:Names><g:name>${n}</g:name></g:Names></g:Meter>`).join('');
  const criteria = c ? `<g:GetMeterConfig xmlns:g="${GMC}">${ids('Meter', c.meters)}${names}${ids('UsagePoint', c.usagePoints)}${ids('Concentrator', c.concentrators)}${ids('Transformer', c.transformers)}</g:GetMeterConfig>` : '';
  const opts = Object.entries(options).map(([k, v]) => `<m:Option><m:name>${k}</m:name><m:value>${v}</m:value></m:Option>`).join('');
  return message('RequestMessage', { verb: 'get', noun: 'MeterConfig', messageId, ...header }, opts || criteria ? `<m:Request>${opts}${criteria}</m:Request>` : '');
}

/** Every mRID in a MeterConfig payload, in order. */
export const meterIds = (xml: string): string[] => [...xml.matchAll(/<(?:\w+:)?Meter><(?:\w+:)?mRID>([^<]+)</g)].map((m) => m[1]!);

/** A head-end double that records what provisioning told it (the simulator lives on the hes branch). */
export function recordingHes(): HesPort & { meters: Map<string, HesMeter>; removed: string[] } {
  const meters = new Map<string, HesMeter>();
  const removed: string[] = [];
  return {
    meters, removed,
    execute: async () => ({ status: 'failed', transient: false, reason: 'not used by provisioning tests' }),
    readOnDemand: async () => [],
    provision: async (m) => { meters.set(m.mRID, m); },
    remove: async (id) => { meters.delete(id); removed.push(id); },
    listen: () => undefined,
  };
}

export function recordingPublisher(): EventPublisher & { events: PublishedEvent[] } {
  const events: PublishedEvent[] = [];
  return { events, publish: async (e) => { events.push(e); return 1; } };
}
