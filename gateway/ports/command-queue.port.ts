import type { Command, CommandRequest, NewCommand, StoredRequest } from '../domain/commands/command.js';
import type { CommandState } from '../domain/commands/command-state.js';
import type { HesCommandKind } from './hes.port.js';
import type { NewOutbound } from './outbox.port.js';

export interface AcceptResult {
  request: StoredRequest;
  /** The request's commands in request order (existing ones when this was a repeat). */
  commands: Command[];
  /** False when the request key was already known: nothing was added. */
  created: boolean;
}

export interface CommandOutcome {
  state: 'succeeded' | 'failed' | 'dead';
  detail?: string;
  values?: Record<string, number>;
}

export interface Confirmation {
  meter: string;
  eventType: string;
  at: Date;
  /** Set when the head-end names the command; otherwise the meter's latest command of `kinds` awaiting it. */
  commandId?: string;
  kinds: HesCommandKind[];
}

/**
 * Durable HES commands: accepted with their request in one transaction, dispatched by priority
 * while keeping each meter's accept order, retried, expired, canceled. State changes go through
 * domain/commands/command-state.ts (assertTransition).
 */
export interface CommandQueue {
  /** The request (unique per (source, messageId)) and its commands (unique per commandKey), together. A repeat adds nothing. */
  accept(request: CommandRequest, commands: NewCommand[], now: Date): Promise<AcceptResult>;
  /** Opens windows (accepted → queued) and expires unsent commands whose window ended; returns how many moved. */
  promote(now: Date): Promise<number>;
  /**
   * Leases up to `limit` commands that may go to the head-end now and marks them sent: queued and
   * due, or sent with an expired lease (a resend after a crash); only the oldest unfinished command
   * of each meter; highest priority first, then accept order.
   */
  lease(now: Date, limit: number, leaseMs: number): Promise<Command[]>;
  /** The head-end's final answer, or the gateway giving up (dead). */
  finish(commandId: string, outcome: CommandOutcome, now: Date): Promise<Command>;
  /** A transient failure: back to queued, next attempt not before retryAt. */
  retry(commandId: string, error: string, retryAt: Date, now: Date): Promise<Command>;
  /** Cancels those of the given commands not yet sent; returns every one with its state after the call. */
  cancel(commandIds: string[], reason: string, now: Date): Promise<Command[]>;
  /** Commands of one sender's EndDeviceControl (by its mRID), optionally narrowed to meters. */
  byControl(source: string, controlMRID: string, meters?: string[]): Promise<Command[]>;
  /** Commands of these meters not yet sent (accepted or queued). */
  pendingFor(meters: string[]): Promise<Command[]>;
  get(commandId: string): Promise<Command | undefined>;
  request(source: string, messageId: string): Promise<{ request: StoredRequest; commands: Command[] } | undefined>;
  /** Async requests whose every command is final and whose answer is not queued yet. */
  dueReplies(limit: number): Promise<{ request: StoredRequest; commands: Command[] }[]>;
  /** Marks the request answered and queues its reply, together; false when it already was. */
  closeRequest(requestId: number, reply: NewOutbound, now: Date): Promise<boolean>;
  /** Records a head-end confirmation on its command; returns that command's id, if one matched. */
  confirm(c: Confirmation): Promise<string | undefined>;
  counts(): Promise<Record<CommandState, number>>;
}
