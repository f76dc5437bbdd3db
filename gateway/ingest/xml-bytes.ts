/**
 * Text of UTF-8 XML bytes as an XML parser reports it, for the payload scanner: line ends
 * normalised, the predefined entities and character references replaced, attribute whitespace
 * normalised. Anything the scanner passes here is also parsed by libxml2 (fragment validation),
 * which refuses what is not well-formed (an undeclared entity, a bad character reference): such a
 * message is never stored, so those cases only need to not crash here.
 */
const ENTITY = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(lt|gt|amp|quot|apos));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function replaceEntities(s: string): string {
  return s.replace(ENTITY, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED[name]!;
    const code = hex !== undefined ? parseInt(hex, 16) : parseInt(dec!, 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Character data between markup. */
export function decodeText(b: Buffer, start: number, end: number): string {
  let s = b.toString('utf8', start, end);
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  return s.includes('&') ? replaceEntities(s) : s;
}

/** A CDATA section's content: no references, line ends normalised. */
export function decodeCData(b: Buffer, start: number, end: number): string {
  const s = b.toString('utf8', start, end);
  return s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s;
}

/** An attribute value (between its quotes): literal whitespace becomes a space, references do not. */
export function decodeAttribute(b: Buffer, start: number, end: number): string {
  let s = b.toString('utf8', start, end);
  if (/[\t\n\r]/.test(s)) s = s.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' ');
  return s.includes('&') ? replaceEntities(s) : s;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * `Number(text)` for a plain decimal ([+-]digits[.digits], at most 15 significant digits) read
 * straight from bytes; NaN for anything else (the caller then decodes the text and uses Number).
 * Exact: a mantissa below 2^53 divided by an exactly representable power of ten is one correctly
 * rounded IEEE division, which is what Number() answers for the same decimal.
 */
export function parseDecimalBytes(b: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  const first = b[i];
  if (first === 45 || first === 43) { negative = first === 45; i++; }
  let mantissa = 0;
  let digits = 0;
  let significant = 0;
  let scale = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 46) {
      if (dot) return NaN;
      dot = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return NaN;
    digits++;
    if (significant > 0 || d !== 0) significant++;
    mantissa = mantissa * 10 + d;
    if (dot) scale++;
  }
  if (digits === 0 || significant > 15 || scale > 22) return NaN;
  const v = scale === 0 ? mantissa : mantissa / POW10[scale]!;
  return negative ? -v : v;
}
