import { CimError } from '../cim/errors.js';
import { replyError, type ReplyError } from '../cim/reply.js';
import type { ReadingIngestion } from '../use-cases/ingest-readings.use-case.js';
import type { BatchIssue } from './fragment-batch.js';
import type { FragmentValidator } from './fragment-validator.js';
import type { Fragment, MessageStreamReader } from './message-stream-reader.js';

const MAX_REPORTED = 20;

export interface StreamOptions {
  fragmentsPerBatch: number;
  inFlightBatches: number;
  /** Validates what followed MeterReadings (the rest of the message, small) once the stream ended. */
  checkTail: (tail: string) => Promise<ReplyError[]>;
}

interface Located { issue: BatchIssue; fragment: Omit<Fragment, 'parsed' | 'text'> }

/**
 * The content of a MeterReadings payload still arriving: handed to the route on the message
 * (`message.streamed`). feed() cuts it into batches of fragments; the worker validates a batch
 * while this thread maps and stages the next. Any schema problem makes the whole message fail
 * (1.8) and the ingestion is then aborted by the caller, so nothing of it is stored.
 */
export class StreamedMeterReadings {
  consumed = false;

  constructor(private readonly reader: MessageStreamReader, private readonly validator: FragmentValidator, private readonly options: StreamOptions) {}

  async feed(ingestion: ReadingIngestion, xpathBase: string): Promise<void> {
    this.consumed = true;
    const found: Located[] = [];
    const inFlight: Promise<void>[] = [];
    let definitions = false;
    for (;;) {
      const batch = await this.reader.next(this.options.fragmentsPerBatch);
      if (batch.length === 0) break;
      if (found.length >= MAX_REPORTED) continue; // read on for well-formedness only
      // The schema puts ReadingType definitions after every MeterReading; a batch is validated on
      // its own, so order across batches is checked here.
      const late = definitions ? batch.find((f) => f.name === 'MeterReading') : undefined;
      if (late) found.push({ issue: { fragment: 0, line: 1, column: 1, message: `Element 'MeterReading': This element is not expected.` }, fragment: late });
      if (batch.some((f) => f.name !== 'MeterReading')) definitions = true;
      const located = batch.map(({ parsed: _p, text: _t, ...rest }) => rest);
      inFlight.push(this.validator.validate({
        open: `<${this.reader.mrQName}${this.reader.mrDeclarations}>`, close: `</${this.reader.mrQName}>`, texts: batch.map((f) => f.text),
      }).then((issues) => { for (const issue of issues) found.push({ issue, fragment: located[issue.fragment]! }); }));
      if (found.length === 0) {
        await ingestion.add(batch.flatMap((f) => (f.parsed ? [f.parsed] : [])));
      }
      while (inFlight.length >= this.options.inFlightBatches) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const tail = await this.reader.finish();
    const errors = found.slice(0, MAX_REPORTED).map((l) => this.toError(l, xpathBase));
    if (errors.length === 0) errors.push(...await this.options.checkTail(tail));
    if (errors.length > 0) throw new CimError(errors);
  }

  /** Same form as the buffered path's 1.8: line and column in the sender's text, path from the message root. */
  private toError({ issue, fragment }: Located, xpathBase: string): ReplyError {
    const line = issue.line > 0 ? fragment.line + issue.line - 1 : undefined;
    const column = issue.line === 1 && issue.column !== undefined ? fragment.column + issue.column - 1 : issue.column;
    const many = this.reader.count(fragment.name) > 1;
    const where = [line && `line ${line}`, line && column && `column ${column}`].filter(Boolean).join(', ');
    return replyError('1.8', {
      details: `${where}${where ? ': ' : ''}${issue.message}`,
      xpath: `${xpathBase}/${fragment.name}${many ? `[${fragment.index}]` : ''}${issue.below ?? ''}`,
    });
  }
}
