import { ParseOption, XmlDocument, XmlParseError } from 'libxml2-wasm';
import type { SchemaSet } from '../xml/schema-set.js';

// As xml-parser.ts: no network, no external entities, CDATA as text. A DOCTYPE cannot reach here:
// the head refuses one, and the payload scanner refuses `<!` other than comments and CDATA.
const PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NOCDATA;

/** A batch of MeterReadings children, validated as one small `<MeterReadings>` document. */
export interface FragmentBatch {
  /** UTF-8: `<mr:MeterReadings xmlns:…>` (the declarations in scope in the message), the fragments each after a line feed, the end tag. */
  bytes: Uint8Array;
  /** Where each fragment's text starts in `bytes`. */
  starts: readonly number[];
  /** Well-formedness only (the message failed already; its parse still has to finish to tell a 400 from a 1.8). */
  parseOnly?: boolean;
}

/** A problem, located inside one fragment of the batch. */
export interface BatchIssue {
  /** Position of the fragment in the batch. */
  fragment: number;
  /** 1-based line inside the fragment's text (0: unknown). */
  line: number;
  column?: number;
  message: string;
  /** The element path below the fragment's own element, e.g. `/IntervalBlocks/IntervalReadings[3]/value`. */
  below?: string;
  /** Not well-formed XML (answered 400 as the buffered path's parser does), rather than invalid (1.8). */
  malformed?: boolean;
}

/** 1-based line of each fragment's first byte. */
function fragmentLines(bytes: Uint8Array, starts: readonly number[]): number[] {
  const lines: number[] = [];
  let line = 1;
  let at = 0;
  for (const start of starts) {
    for (; at < start; at++) if (bytes[at] === 0x0a) line++;
    lines.push(line);
  }
  return lines;
}

function locate(batch: FragmentBatch, line: number | undefined, column: number | undefined, message: string): BatchIssue {
  const lines = fragmentLines(batch.bytes, batch.starts);
  let k = 0;
  while (k + 1 < lines.length && lines[k + 1]! <= (line ?? 0)) k++;
  const inside = line !== undefined && line >= lines[k]! ? line - lines[k]! + 1 : 0;
  const issue: BatchIssue = { fragment: k, line: inside, message };
  if (column !== undefined && column > 0) issue.column = column;
  return issue;
}

/**
 * Parses a batch with libxml2 and validates it against the compiled schema set. Lines are only
 * counted when something is reported.
 */
export function validateBatch(schemas: SchemaSet, batch: FragmentBatch): BatchIssue[] {
  let doc;
  try {
    doc = XmlDocument.fromBuffer(batch.bytes, { option: PARSE_OPTIONS });
  } catch (err) {
    if (!(err instanceof XmlParseError)) throw err;
    const d = err.details[0];
    return [{ ...locate(batch, d?.line, d?.col, (d?.message ?? err.message).trim()), malformed: true }];
  }
  try {
    if (batch.parseOnly) return [];
    const issues = schemas.validate(doc.root, () => Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength).toString('utf8'));
    return issues.map((i) => {
      const issue = locate(batch, i.line, i.column, i.message);
      const below = i.xpath?.replace(/^\/[^/]+\/[^/]+/, '');
      if (below !== undefined) issue.below = below;
      return issue;
    });
  } finally {
    doc.dispose();
  }
}
