import { CimError, ProtocolRejection } from '../cim/errors.js';
import { replyError, type ReplyError } from '../cim/reply.js';
import type { ParsedMeterReading } from '../domain/readings/meter-reading.js';
import type { ReadingIngestion } from '../use-cases/ingest-readings.use-case.js';
import type { BatchIssue } from './fragment-batch.js';
import type { FragmentValidator } from './fragment-validator.js';
import type { MessageStreamReader } from './message-stream-reader.js';
import type { FragmentInfo } from './payload-scanner.js';

const MAX_REPORTED = 20;
/**
 * Staging calls queued behind the one running: the reader cuts and validates on while the store
 * writes (a PostgreSQL COPY is round trips the request thread would otherwise sit out), and
 * parsed readings waiting to be staged stay bounded.
 */
const STAGING_QUEUE = 2;

export interface StreamOptions {
  inFlightBatches: number;
  /** MeterReading elements per `ingestion.add` (one store staging call): fewer, larger stagings. */
  stagingFragments: number;
  /**
   * Checks the message without its fragments (head, what followed them, the rest), complete once
   * the stream ended: throws a ProtocolRejection when it is not well-formed, answers its schema errors.
   */
  checkRest: (rest: string) => ReplyError[];
}

/** An issue, its fragment, and the batch it came in (issues are reported in document order). */
interface Located { issue: BatchIssue; fragment: Omit<FragmentInfo, 'parsed'>; batch: number }

/**
 * The content of a MeterReadings payload still arriving: handed to the route on the message
 * (`message.streamed`). feed() takes it in batches of fragments; the worker parses and validates
 * a batch while this thread cuts and stages the next. Nothing is stored unless every batch and
 * the rest of the message passed: a schema problem fails the message (1.8), a well-formedness
 * problem anywhere refuses it (400, as the buffered path's parser does), and the caller then
 * aborts the ingestion.
 */
export class StreamedMeterReadings {
  consumed = false;

  constructor(private readonly reader: MessageStreamReader, private readonly validator: FragmentValidator, private readonly options: StreamOptions) {}

  async feed(ingestion: ReadingIngestion, xpathBase: string): Promise<void> {
    this.consumed = true;
    const found: Located[] = [];
    let malformed: ProtocolRejection | undefined;
    const inFlight: Promise<void>[] = [];
    // Staging runs one call at a time, in document order, behind the reader: `staged` is the tail of
    // that chain and never rejects (the first failure is kept in `stagingFailed` and stops the rest).
    let staged: Promise<void> = Promise.resolve();
    let stagingFailed: { err: unknown } | undefined;
    const staging: Promise<void>[] = [];
    let toStage: ParsedMeterReading[] = [];
    const stage = async (force: boolean) => {
      if (toStage.length > 0 && (force || toStage.length >= this.options.stagingFragments)) {
        const parsed = toStage;
        toStage = [];
        staged = staged.then(() => (stagingFailed ? undefined : ingestion.add(parsed))).catch((err: unknown) => { stagingFailed ??= { err }; });
        staging.push(staged);
      }
      while (staging.length > (force ? 0 : STAGING_QUEUE)) await staging.shift();
      if (stagingFailed) throw stagingFailed.err;
    };
    const settle = async () => {
      // Leave no validation running unobserved (its buffer comes back to the pool either way), and
      // no staging: the caller discards the ingestion next, which must come after its last write.
      await Promise.allSettled(inFlight);
      await staged;
      if (malformed) throw malformed;
    };
    let definitions = false;
    let seq = 0;
    try {
      for (;;) {
        const batch = await this.reader.nextBatch();
        if (malformed) throw malformed;
        if (!batch) break;
        const { fragments } = batch;
        const n = seq++;
        // The schema puts ReadingType definitions after every MeterReading; a batch is validated on
        // its own, so order across batches is checked here.
        const late = definitions ? fragments.find((f) => f.name === 'MeterReading') : undefined;
        if (late && found.length < MAX_REPORTED) found.push({ issue: { fragment: 0, line: 1, column: 1, message: `Element 'MeterReading': This element is not expected. Expected is ( ReadingType ).` }, fragment: { ...late, line: late.elementLine, column: late.elementColumn }, batch: n });
        if (fragments.some((f) => f.name !== 'MeterReading')) definitions = true;
        const parseOnly = found.length >= MAX_REPORTED;
        inFlight.push(this.validator.validate({ bytes: batch.bytes, starts: batch.starts, parseOnly }).then((issues) => {
          // At most MAX_REPORTED per batch: a few batches are in flight when the count is reached.
          let kept = 0;
          for (const issue of issues) {
            const fragment = fragments[issue.fragment]!;
            if (issue.malformed) malformed ??= this.rejection(issue, fragment);
            else if (kept++ < MAX_REPORTED) found.push({ issue, fragment, batch: n });
          }
        }));
        if (found.length === 0) {
          for (const f of fragments) if (f.parsed) toStage.push(f.parsed);
          await stage(false);
        } else {
          this.reader.mapping = false;
          toStage = [];
        }
        while (inFlight.length >= this.options.inFlightBatches) await inFlight.shift();
      }
      await Promise.all(inFlight);
      if (found.length === 0 && !malformed) await stage(true);
      else await staged;
    } catch (err) {
      await settle();
      throw err;
    }
    if (malformed) throw malformed;
    // The rest is checked whatever was found: a malformed end is a 400, as it is when buffered.
    const restErrors = this.checkRest(await this.reader.finish());
    // A batch validated on this thread can finish before earlier ones still in the worker.
    const errors = found.sort((a, b) => a.batch - b.batch).slice(0, MAX_REPORTED).map((l) => this.toError(l, xpathBase));
    if (errors.length === 0) errors.push(...restErrors);
    if (errors.length > 0) throw new CimError(errors);
  }

  private checkRest(rest: string): ReplyError[] {
    try {
      return this.options.checkRest(rest);
    } catch (err) {
      if (!(err instanceof ProtocolRejection)) throw err;
      throw new ProtocolRejection(err.status, err.title, err.message, { ...err.where, ...this.reader.senderPosition(err.where.line, err.where.column) }, err.code);
    }
  }

  /** Where an issue is in the sender's text: the fragment's own position plus the issue's inside it. */
  private position({ issue, fragment }: Pick<Located, 'issue' | 'fragment'>): { line?: number; column?: number } {
    const line = issue.line > 0 ? fragment.line + issue.line - 1 : undefined;
    const column = issue.line === 1 && issue.column !== undefined ? fragment.column + issue.column - 1 : issue.line > 0 ? issue.column : undefined;
    return { ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) };
  }

  /** The buffered path's answer to the same document: its parser's 400 with line and column. */
  private rejection(issue: BatchIssue, fragment: FragmentInfo): ProtocolRejection {
    return new ProtocolRejection(400, /Excessive depth/.test(issue.message) ? 'XML too deep' : 'Malformed XML', issue.message, this.position({ issue, fragment }));
  }

  /** Same form as the buffered path's 1.8: line and column in the sender's text, path from the message root. */
  private toError(located: Located, xpathBase: string): ReplyError {
    const { line, column } = this.position(located);
    const { issue, fragment } = located;
    const many = this.reader.count(fragment.name) > 1;
    const where = [line && `line ${line}`, line && column && `column ${column}`].filter(Boolean).join(', ');
    return replyError('1.8', {
      details: `${where}${where ? ': ' : ''}${issue.message}`,
      xpath: `${xpathBase}/${fragment.name}${many ? `[${fragment.index}]` : ''}${issue.below ?? ''}`,
    });
  }
}
