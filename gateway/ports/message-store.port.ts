import type { NewOutbound } from './outbox.port.js';

export interface MessageKey {
  source: string;
  messageId: string;
}

/** A response kept to answer a repeated (Source, MessageID) the same way. */
export interface StoredResponse {
  /** The ResponseMessage tree as JSON (rendered again in whatever format the repeat asks for). */
  message: string;
}

export type ClaimResult =
  | { state: 'claimed' }
  | { state: 'done'; response: StoredResponse }
  | { state: 'in-progress' };

export interface NewJob {
  /** The validated request tree as JSON. */
  message: string;
  replyAddress: string;
  protocol: 'SOAP' | 'REST';
  typed: boolean;
  /** Namespace spellings of the sender, to answer in them. */
  rewrite: [string, string][];
}

export interface InboundJob extends NewJob, MessageKey {
  id: number;
  attempts: number;
}

export interface MessageStatus extends MessageKey {
  verb?: string;
  noun?: string;
  state: 'in-progress' | 'done';
  job?: { state: 'pending' | 'done' | 'failed'; attempts: number; lastError?: string };
  receivedAt: Date;
}

/**
 * Idempotency keys and the durable inbox of async requests. Each method is atomic; the
 * ones that touch two records do so in one transaction.
 */
export interface MessageStore {
  claim(key: MessageKey, meta: { verb: string; noun: string }, now: Date, leaseSeconds: number): Promise<ClaimResult>;
  complete(key: MessageKey, response: StoredResponse): Promise<void>;
  /** Forget a claim after a technical failure so the sender's retry runs again. */
  release(key: MessageKey): Promise<void>;
  /** Stores the acknowledgment as the key's response and queues the job, together. */
  acceptAsync(key: MessageKey, ack: StoredResponse, job: NewJob, now: Date): Promise<void>;
  nextJobs(limit: number, now: Date, leaseSeconds: number): Promise<InboundJob[]>;
  /** Marks the job done and queues its reply (if any), together. */
  finishJob(id: number, reply: NewOutbound | undefined, now: Date): Promise<void>;
  failJob(id: number, error: string, retry: boolean): Promise<void>;
  status(messageId: string, source?: string): Promise<MessageStatus | undefined>;
}
