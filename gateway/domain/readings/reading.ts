/** One measured or derived value of one meter for one ReadingType at one time. */
export interface Reading {
  meter: string;
  /** The ReadingType code as sent (normally the 18-field dotted code). */
  readingType: string;
  /** Epoch milliseconds of the timeStamp (end of interval for interval data). */
  timestamp: number;
  /** Absent when the reading carries only qualities. */
  value?: number;
  /** ReadingQualityType refs, e.g. "1.0.0", "3.7.0". Read-only: readings without any share one empty array. */
  qualities: readonly string[];
  /** IntervalReadings are interval data; Readings are register/instantaneous values. */
  kind: 'interval' | 'register';
  reportedDateTime?: number;
  source?: string;
}
