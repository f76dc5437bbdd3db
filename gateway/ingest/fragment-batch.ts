import { ParseOption, XmlDocument } from 'libxml2-wasm';
import type { SchemaSet } from '../xml/schema-set.js';

// As xml-parser.ts: no network, no external entities. The fragments passed saxes, which refuses DTDs.
const PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NOCDATA;

/** A batch of MeterReadings children, validated as one small `<MeterReadings>` document. */
export interface FragmentBatch {
  /** `<mr:MeterReadings xmlns:…>` with the declarations in scope in the message. */
  open: string;
  close: string;
  texts: string[];
}

/** A schema problem, located inside one fragment of the batch. */
export interface BatchIssue {
  /** Position of the fragment in the batch. */
  fragment: number;
  /** 1-based line inside the fragment's text (0: unknown). */
  line: number;
  column?: number;
  message: string;
  /** The element path below the fragment's own element, e.g. `/IntervalBlocks/IntervalReadings[3]/value`. */
  below?: string;
}

const newlines = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

/**
 * Validates a batch against the compiled schema set. The wrapper puts every fragment on its own
 * line so a reported line maps back to one fragment; the lines are only counted on failure.
 */
export function validateBatch(schemas: SchemaSet, batch: FragmentBatch): BatchIssue[] {
  const text = `${batch.open}\n${batch.texts.join('\n')}\n${batch.close}`;
  let doc;
  try {
    // From bytes: handing libxml2-wasm a string costs a JavaScript UTF-8 encoder slower than the parse itself.
    doc = XmlDocument.fromBuffer(Buffer.from(text, 'utf8'), { option: PARSE_OPTIONS });
  } catch (err) {
    return [{ fragment: 0, line: 0, message: (err as Error).message }];
  }
  try {
    const issues = schemas.validate(doc.root, text);
    if (issues.length === 0) return [];
    const starts: number[] = [];
    let line = 2;
    for (const t of batch.texts) {
      starts.push(line);
      line += newlines(t) + 1;
    }
    return issues.map((i) => {
      let k = 0;
      while (k + 1 < starts.length && starts[k + 1]! <= (i.line ?? 0)) k++;
      const issue: BatchIssue = { fragment: k, line: i.line ? i.line - starts[k]! + 1 : 0, message: i.message };
      if (i.column !== undefined) issue.column = i.column;
      const below = i.xpath?.replace(/^\/[^/]+\/[^/]+/, '');
      if (below !== undefined) issue.below = below;
      return issue;
    });
  } finally {
    doc.dispose();
  }
}
