import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const BENCH_KWH = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
export const benchMeter = (i: number) => `MTR-${String(i).padStart(6, '0')}`;

/**
 * A concentrator-style `created MeterReadings`: `meters` × `intervals` 15-minute kWh readings,
 * about 1 % with a quality, ReadingType definitions after the readings (61968-9 order, so a
 * streaming reader meets them last). Written in chunks: the generator itself stays small.
 */
export async function generateMeterReadings(file: string, meters = 10_000, intervals = 96): Promise<{ bytes: number; readings: number }> {
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`<?xml version="1.0" encoding="UTF-8"?>
<m:EventMessage xmlns:m="http://iec.ch/TC57/2011/schema/message">
  <m:Header><m:Verb>created</m:Verb><m:Noun>MeterReadings</m:Noun><m:Timestamp>2026-11-20T01:05:00-03:00</m:Timestamp><m:Source>HES</m:Source><m:MessageID>bench-${Date.now()}</m:MessageID></m:Header>
  <m:Payload>
    <MeterReadings xmlns="http://iec.ch/TC57/2011/MeterReadings#">
`);
  const t0 = Date.parse('2026-11-19T03:00:00Z');
  let n = 0;
  for (let m = 1; m <= meters; m++) {
    let s = '      <MeterReading>\n        <IntervalBlocks>\n';
    for (let i = 1; i <= intervals; i++) {
      const ts = new Date(t0 + i * 900_000).toISOString().replace('.000Z', 'Z');
      const value = ((m * 7 + i * 13) % 997) / 1000;
      const quality = (m + i) % 97 === 0 ? '<ReadingQualities><ReadingQualityType ref="2.4.1"/></ReadingQualities>' : '';
      s += `          <IntervalReadings><timeStamp>${ts}</timeStamp><value>${value}</value>${quality}</IntervalReadings>\n`;
      n++;
    }
    s += `          <ReadingType ref="${BENCH_KWH}"/>\n        </IntervalBlocks>\n        <Meter><mRID>${benchMeter(m)}</mRID></Meter>\n      </MeterReading>\n`;
    await write(s);
  }
  await write(`      <ReadingType><mRID>${BENCH_KWH}</mRID><Names><name>kWh delivered, 15 min</name></Names></ReadingType>
    </MeterReadings>
  </m:Payload>
</m:EventMessage>
`);
  out.end();
  await once(out, 'finish');
  return { bytes, readings: n };
}
