import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../gateway/config/config.js';
import { workerValidator } from '../../gateway/ingest/fragment-validator.js';
import { dayOfKwh, MR_NS } from './readings-helpers.js';

/** A batch document as the stream reader writes it: the wrapper, each fragment after a line feed. */
function batch(validator: ReturnType<typeof workerValidator>, fragments: string[]) {
  const open = `<MeterReadings xmlns="${MR_NS}">`;
  const starts: number[] = [];
  let text = open;
  for (const f of fragments) { text += '\n'; starts.push(Buffer.byteLength(text)); text += f; }
  text += '\n</MeterReadings>';
  const src = Buffer.from(text);
  const bytes = validator.buffer(src.length);
  src.copy(bytes);
  return { bytes: bytes.subarray(0, src.length), starts };
}

describe('validation threads', () => {
  it('warm() starts every thread and resolves once they are ready; batches spread over two threads answer each its own issues', async () => {
    const validator = workerValidator(loadConfig({}).schemas.folders, { workers: 2 });
    try {
      await validator.warm();
      const bad = dayOfKwh('S-1', 3).replace('<value>0.002</value>', '<value>0.002</value><vaule>1</vaule>');
      const answers = await Promise.all([
        validator.validate(batch(validator, [dayOfKwh('S-1', 2), dayOfKwh('S-2', 2)])),
        validator.validate(batch(validator, [dayOfKwh('S-3', 2), bad])),
        validator.validate(batch(validator, [dayOfKwh('S-1', 4)])),
        validator.validate(batch(validator, [bad])),
      ]);
      assert.deepEqual(answers.map((a) => a.map((i) => i.fragment)), [[], [1], [], [0]]);
      assert.match(answers[1]![0]!.message, /vaule/);
    } finally {
      await validator.close();
    }
  });
});
