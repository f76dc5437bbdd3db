import { DAY_MS } from '../../domain/readings/day-block.js';

/**
 * A growable buffer that answers are written into piece by piece. Building a 0.5 MB JSON page as
 * a string made ~30,000 string pieces that the socket write then had to flatten and encode; here
 * constant pieces are encoded once and copied, digits are written as bytes, and the result goes
 * to the socket as it is.
 */
export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Only for text known to be ASCII (numbers, JSON punctuation): one byte per character. */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const { buf } = this;
    for (let i = 0, at = this.pos; i < n; i++, at++) buf[at] = s.charCodeAt(i);
    this.pos += n;
  }

  utf8(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** `v` (an integer below 10^width, width ≤ 9) as `width` decimal digits, zero-padded. */
  digits(v: number, width: number): void {
    this.room(width);
    // Int32 arithmetic: `%` on a double is a call into the runtime.
    let x = v | 0;
    for (let i = this.pos + width - 1; i >= this.pos; i--) {
      const q = (x / 10) | 0;
      this.buf[i] = 48 + x - q * 10;
      x = q;
    }
    this.pos += width;
  }

  /**
   * A number as JSON.stringify writes it (NaN, ±Infinity: null), or with `json` false as String(v)
   * does (what CSV gets: "NaN", "Infinity"). Values with at most three decimals (nearly every
   * meter reading) are written digit by digit: for them the text is the exact decimal k/1000 with
   * trailing zeros dropped, which is the shortest one that reads back as the same double, i.e.
   * what String(v) gives (a sixth of the page's time went to String).
   */
  number(v: number, json = true): void {
    const k = Math.round(v * 1000);
    if (k / 1000 !== v || k >= 2_147_483_648 || k <= -2_147_483_648) return this.ascii(json && !Number.isFinite(v) ? 'null' : String(v));
    let x = k | 0;
    if (x < 0) {
      this.byte(0x2d);
      x = -x;
    }
    const int = (x / 1000) | 0;
    let frac = x - int * 1000;
    this.integer(int);
    if (frac === 0) return;
    let width = 3;
    while (frac % 10 === 0) {
      frac = (frac / 10) | 0;
      width--;
    }
    this.byte(0x2e);
    this.digits(frac, width);
  }

  /** A non-negative int32 in decimal. */
  private integer(x: number): void {
    let width = 1;
    for (let p = 10; p <= x && width < 10; p *= 10) width++;
    this.digits(x, width);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * `new Date(t).toISOString()` in two halves for writers that copy bytes: the date part (up to and
 * with the "T") and the time part ("HH:mm:ss.sssZ", plus a suffix), each formatted once and kept:
 * a month of 15-minute data is 31 dates and 96 times (the month page's 2,976 Date objects and
 * their formatting were a tenth of the request). Same characters as toISOString for every valid
 * time value, extended years (±YYYYYY) included.
 */
export class IsoTimeWriter {
  private day = NaN;
  private date = '';
  /** The same date as bytes, for write(). */
  private dateBytes = Buffer.alloc(0);
  /** Milliseconds of the day → "HH:mm:ss.sssZ" + suffix; emptied when it holds MAX_TIMES. */
  private readonly times = new Map<number, Buffer>();

  /** `suffix`: ASCII written right after each time (e.g. the closing quote of a JSON string). */
  constructor(private readonly suffix = '') {}

  datePart(t: number): string {
    const day = Math.floor(t / DAY_MS);
    if (day !== this.day) {
      const iso = new Date(day * DAY_MS).toISOString();
      this.date = iso.slice(0, iso.length - 13);
      this.dateBytes = Buffer.from(this.date, 'latin1');
      this.day = day;
    }
    return this.date;
  }

  timePart(t: number): Buffer {
    const ms = t - Math.floor(t / DAY_MS) * DAY_MS;
    let time = this.times.get(ms);
    if (!time) {
      if (this.times.size >= MAX_TIMES) this.times.clear();
      this.times.set(ms, time = Buffer.from(new Date(ms).toISOString().slice(-13) + this.suffix, 'latin1'));
    }
    return time;
  }

  write(w: ByteWriter, t: number): void {
    this.datePart(t);
    w.bytes(this.dateBytes);
    w.bytes(this.timePart(t));
  }
}

const MAX_TIMES = 4096;
