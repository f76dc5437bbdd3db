import { normaliseNamespaces } from '../xml/namespaces.js';
import type { FragmentInfo } from './payload-scanner.js';

export interface BatchShape {
  /** Fragments per batch. */
  fragments: number;
  /** A batch is sent once it holds this many bytes, whatever its fragment count. */
  bytes: number;
  /** A buffer of at least `min` bytes (pooled by the validator, whose thread receives them), and back. */
  buffer: (min: number) => Buffer;
  release: (buffer: Buffer) => void;
}

/** A batch as written: the document the validator parses, and what the request thread knows of its fragments. */
export interface WrittenBatch {
  /** `<MeterReadings …declarations in scope…>`, each fragment after a line feed, `</MeterReadings>`. */
  bytes: Buffer;
  /** Where each fragment's text starts in `bytes`. */
  starts: number[];
  fragments: FragmentInfo[];
}

const LF = 0x0a;

/**
 * Copies fragments, as the scanner cuts them, into batch documents: one small `<MeterReadings>`
 * per batch, every fragment on its own line (so a reported line maps back to one fragment). The
 * bytes are copied once, into a buffer the validator's thread then owns, never turned into text.
 */
export class BatchWriter {
  private readonly open: Buffer;
  private readonly close: Buffer;
  private current: Buffer | undefined;
  private length = 0;
  private starts: number[] = [];
  private fragments: FragmentInfo[] = [];
  private readonly ready: WrittenBatch[] = [];

  constructor(open: string, close: string, private readonly shape: BatchShape) {
    this.open = Buffer.from(open);
    this.close = Buffer.from(close);
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  add(info: FragmentInfo, source: Buffer, from: number, to: number): void {
    let src = source;
    let start = from;
    let end = to;
    if (info.declaresNamespaces) {
      // As the buffered path does for the whole message: variant IEC namespace URIs are rewritten
      // to the published ones, offsets kept (so positions in errors still hold).
      src = Buffer.from(normaliseNamespaces(source.toString('utf8', from, to)).xml);
      start = 0;
      end = src.length;
    }
    const need = 1 + (end - start) + 1 + this.close.length;
    if (!this.current) {
      this.current = this.shape.buffer(Math.max(this.open.length + need, this.shape.bytes + (this.shape.bytes >> 2)));
      this.length = this.open.copy(this.current, 0);
    } else if (this.length + need > this.current.length) {
      const bigger = this.shape.buffer(Math.max(this.length + need, this.current.length * 2));
      this.current.copy(bigger, 0, 0, this.length);
      this.shape.release(this.current);
      this.current = bigger;
    }
    this.current[this.length++] = LF;
    this.starts.push(this.length);
    this.length += src.copy(this.current, this.length, start, end);
    this.fragments.push(info);
    if (this.fragments.length >= this.shape.fragments || this.length >= this.shape.bytes) this.ready.push(this.seal());
  }

  take(): WrittenBatch | undefined {
    return this.ready.shift();
  }

  /** The batch being filled, sealed as it is (the last one); undefined when empty. */
  flush(): WrittenBatch | undefined {
    return this.fragments.length > 0 ? this.seal() : this.ready.shift();
  }

  private seal(): WrittenBatch {
    const buf = this.current!;
    buf[this.length++] = LF;
    this.length += this.close.copy(buf, this.length);
    const batch: WrittenBatch = { bytes: buf.subarray(0, this.length), starts: this.starts, fragments: this.fragments };
    this.current = undefined;
    this.length = 0;
    this.starts = [];
    this.fragments = [];
    return batch;
  }
}
