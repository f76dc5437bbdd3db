/** Seeded mutations of a valid message's text, for the fuzz test. Deterministic per seed. */
import { mulberry32 } from '../../gateway/adapters/hes-simulator/prng.js';

/** The simulator's seeded PRNG: the seed is printed on failure, so a case replays exactly. */
export const rng = mulberry32;

const NAMESPACES = [
  'http://iec.ch/TC57/2011/schema/message', 'http://www.iec.ch/TC57/2011/schema/message', 'http://iec.ch/TC57/2016/schema/message',
  'http://iec.ch/TC57/2011/Probes#', 'http://iec.ch/TC57/2011/EndDeviceControls#', 'http://iec.ch/TC57/2011/MeterReadings#',
  'http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope', 'urn:x', '',
];
const NOISE = ['<', '>', '&', '"', "'", '/', '=', ':', ']]>', '<!--', '&amp;', '&#0;', '\u0000', '\uFFFF', '\uD800', 'é', ' ', '\n', 'x', '9', '-1', '1e309'];
const VERBS = ['get', 'create', 'created', 'change', 'cancel', 'delete', 'reply', 'execute', 'Create', ''];
const NOUNS = ['Probes', 'EndDeviceControls', 'MeterReadings', 'EndDeviceEvents', 'MeterConfig', 'Wombats', ''];

export type Mutation = (xml: string, r: () => number) => string;

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const at = (r: () => number, xml: string) => Math.floor(r() * (xml.length + 1));

/** [start, end) of a random element (start tag to its first matching end tag). */
function elementRange(xml: string, r: () => number): [number, number] | undefined {
  const starts = [...xml.matchAll(/<([A-Za-z_][\w.-]*(?::[\w.-]+)?)(?:\s[^>]*)?>/g)].filter((m) => !m[0].endsWith('/>'));
  if (starts.length === 0) return undefined;
  const m = pick(r, starts);
  const close = xml.indexOf(`</${m[1]}>`, m.index);
  return close === -1 ? undefined : [m.index!, close + m[1]!.length + 3];
}

export const mutations: Record<string, Mutation> = {
  byteFlips: (xml, r) => {
    let out = xml;
    for (let n = 1 + Math.floor(r() * 4); n > 0; n--) {
      const i = at(r, out);
      out = out.slice(0, i) + pick(r, NOISE) + out.slice(i + 1);
    }
    return out;
  },
  deleteElement: (xml, r) => {
    const range = elementRange(xml, r);
    return range ? xml.slice(0, range[0]) + xml.slice(range[1]) : xml;
  },
  duplicateElement: (xml, r) => {
    const range = elementRange(xml, r);
    if (!range) return xml;
    const copy = xml.slice(range[0], range[1]);
    return xml.slice(0, range[1]) + copy.repeat(1 + Math.floor(r() * 3)) + xml.slice(range[1]);
  },
  truncate: (xml, r) => xml.slice(0, at(r, xml)),
  namespaceSwap: (xml, r) => {
    const uris = [...xml.matchAll(/xmlns(?::\w+)?="([^"]*)"/g)];
    if (uris.length === 0) return xml;
    const m = pick(r, uris);
    const replaced = m[0].replace(m[1]!, pick(r, NAMESPACES));
    return xml.slice(0, m.index!) + replaced + xml.slice(m.index! + m[0].length);
  },
  hugeText: (xml, r) => {
    const gt = [...xml.matchAll(/>(?=[^<])|>(?=<\/)/g)];
    const i = gt.length ? pick(r, gt).index! + 1 : at(r, xml);
    return xml.slice(0, i) + pick(r, ['A', '9', 'é', ' ']).repeat(50_000 + Math.floor(r() * 200_000)) + xml.slice(i);
  },
  deepNesting: (xml, r) => {
    const range = elementRange(xml, r);
    const depth = 10 + Math.floor(r() * 400);
    const nest = `${'<x:a xmlns:x="urn:x">'.repeat(depth)}${'</x:a>'.repeat(depth)}`;
    const i = range ? xml.indexOf('>', range[0]) + 1 : at(r, xml);
    return xml.slice(0, i) + nest + xml.slice(i);
  },
  attributeFlood: (xml, r) => {
    const range = elementRange(xml, r);
    if (!range) return xml;
    const end = xml.indexOf('>', range[0]);
    // Mostly many small attributes, sometimes one huge value.
    const attrs = Array.from({ length: 1 + Math.floor(r() * 40) }, (_, k) => ` a${k}="${'v'.repeat(r() < 0.05 ? 100_000 : Math.floor(r() * 20))}"`).join('');
    return xml.slice(0, end) + attrs + xml.slice(end);
  },
  headerSwap: (xml, r) => xml
    .replace(/(<(?:\w+:)?Verb>)[^<]*/, (_m, open: string) => open + (r() < 0.5 ? pick(r, VERBS) : ''))
    .replace(/(<(?:\w+:)?Noun>)[^<]*/, (_m, open: string) => open + (r() < 0.5 ? pick(r, NOUNS) : '')),
  entityInjection: (xml, r) => {
    const doctype = pick(r, ['<!DOCTYPE r [<!ENTITY e "x">]>', '<!DOCTYPE r SYSTEM "file:///etc/passwd">', '<?xml-stylesheet href="http://x"?>']);
    const i = xml.startsWith('<?xml') ? xml.indexOf('?>') + 2 : 0;
    return xml.slice(0, i) + doctype + xml.slice(i).replace(/(<(?:\w+:)?mRID>)/, '$1&e;');
  },
};

export const mutationNames = Object.keys(mutations);

/** One to three mutations; returns the mutated text and the names applied. */
export function mutate(xml: string, r: () => number): { text: string; applied: string[] } {
  const applied: string[] = [];
  let text = xml;
  for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
    const name = pick(r, mutationNames);
    applied.push(name);
    text = mutations[name]!(text, r);
  }
  return { text, applied };
}
