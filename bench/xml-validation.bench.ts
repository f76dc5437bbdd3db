// Which libxml2 binding validates our messages faster, per request and per megabyte: the
// decision recorded in docs/dependencies.md. JavaScript parsers (no validation) are measured
// alongside for scale. Same schema bundle, same documents, same process.
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import { parseStringPromise } from 'xml2js';
import libxmljs from 'libxmljs2';
import { ParseOption, XmlDocument } from 'libxml2-wasm';
import { repoRoot } from '../gateway/config/config.js';
import { discoverSchemas, SchemaSet } from '../gateway/xml/schema-set.js';

const folders = [path.join(repoRoot, 'xsd'), path.join(repoRoot, 'tests', 'fixtures', 'xsd-probe')];

function document(probes: number): string {
  const items = Array.from({ length: probes }, (_, i) => `<p:Probe><p:mRID>MTR-${String(i).padStart(7, '0')}</p:mRID><p:count>${i}</p:count><p:Names><p:name>SN-${i}</p:name></p:Names><p:Kind ref="0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0"/></p:Probe>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><m:RequestMessage xmlns:m="http://iec.ch/TC57/2011/schema/message"><m:Header><m:Verb>create</m:Verb><m:Noun>Probes</m:Noun><m:Source>MDM</m:Source><m:MessageID>bench</m:MessageID></m:Header><m:Payload><p:Probes xmlns:p="http://iec.ch/TC57/2011/Probes#">${items}</p:Probes></m:Payload></m:RequestMessage>`;
}

/** Runs fn for at least `ms`, returns calls per second. */
function rate(fn: () => void, ms: number): number {
  fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

async function rateAsync(fn: () => Promise<unknown>, ms: number): Promise<number> {
  await fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

export async function run(): Promise<Record<string, number | string>> {
  const wasmSchemas = new SchemaSet(folders);
  const bundle = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:bench">${discoverSchemas(folders).map((f) => `<xs:import namespace="${f.namespace}" schemaLocation="${f.file}"/>`).join('')}</xs:schema>`;
  const nativeSchema = libxmljs.parseXml(bundle, { baseUrl: path.join(repoRoot, 'xsd') + '/' });
  const fxp = new XMLParser({ ignoreAttributes: false });
  const out: Record<string, number | string> = {};

  for (const [label, probes, ms] of [['small', 10, 1500], ['large', 20_000, 3000]] as const) {
    const xml = document(probes);
    const mb = Buffer.byteLength(xml) / 1e6;
    const wasm = rate(() => {
      const doc = XmlDocument.fromString(xml, { option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE });
      try {
        if (wasmSchemas.validate(doc.root).length > 0) throw new Error('invalid');
      } finally {
        doc.dispose();
      }
    }, ms);
    const native = rate(() => {
      const doc = libxmljs.parseXml(xml, { nonet: true });
      if (!doc.validate(nativeSchema)) throw new Error('invalid');
    }, ms);
    const sax = rate(() => {
      const p = new SaxesParser({ xmlns: true });
      p.write(xml).close();
    }, ms);
    const fast = rate(() => fxp.parse(xml), ms);
    const x2j = await rateAsync(() => parseStringPromise(xml), ms);
    out[`${label} document KB`] = Math.round(mb * 1000);
    out[`${label} libxml2-wasm parse+validate msg/s`] = Math.round(wasm);
    out[`${label} libxmljs2 parse+validate msg/s`] = Math.round(native);
    out[`${label} ratio wasm/libxmljs2`] = wasm / native;
    out[`${label} libxml2-wasm MB/s`] = wasm * mb;
    out[`${label} libxmljs2 MB/s`] = native * mb;
    out[`${label} saxes parse only MB/s`] = sax * mb;
    out[`${label} fast-xml-parser parse only MB/s`] = fast * mb;
    out[`${label} xml2js parse only MB/s`] = x2j * mb;
  }
  return out;
}
