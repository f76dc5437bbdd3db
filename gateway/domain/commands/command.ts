import { createHash } from 'node:crypto';
import type { HesCommandKind } from '../../ports/hes.port.js';
import type { CommandState } from './command-state.js';

/** One device's share of an EndDeviceControl: what the dispatcher hands to the head-end. */
export interface NewCommand {
  /** Stable: derived from the command key, so a re-run after a crash computes the same id. */
  commandId: string;
  /** (Source, MessageID or EndDeviceControl mRID, control, device): unique in the queue. */
  commandKey: string;
  meter: string;
  /** How the request named the device (mRID or a Name), for reply details. */
  deviceLabel: string;
  kind: HesCommandKind;
  controlType: string;
  controlMRID?: string;
  source: string;
  params: Record<string, string | number>;
  priority: number;
  /** Not dispatched before; expired when still unsent after notAfter. */
  notBefore?: Date;
  notAfter?: Date;
  reason?: string;
}

export interface Command extends NewCommand {
  state: CommandState;
  /** Accept order: per meter, commands are dispatched strictly in this order. */
  seq: number;
  attempts: number;
  nextAttemptAt: Date;
  /** Why it failed / died / expired / was canceled, or the head-end's detail on success. */
  detail?: string;
  /** Measured values the head-end returned (e.g. clockOffsetSeconds of a time sync). */
  values?: Record<string, number>;
  /** The head-end event that confirmed the effect (e.g. 3.31.0.68 disconnected), when it came. */
  confirmedBy?: string;
  confirmedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** The request a set of commands came from, and where its final answer goes. */
export interface CommandRequest {
  source: string;
  /** The sender's MessageID, or the one the gateway assigned. */
  messageId: string;
  correlationId: string;
  verb: string;
  /** Async requests only: the final ResponseMessage goes here when every command is final. */
  replyAddress?: string;
  protocol?: 'SOAP' | 'REST';
  typed: boolean;
  /** Namespace spellings of the sender, to answer in them. */
  rewrite: [string, string][];
  /** Devices refused at accept time (unknown → 2.4), reported in the final answer. */
  rejected: { code: string; details: string; xpath?: string }[];
}

export interface StoredRequest extends CommandRequest {
  id: number;
  commandIds: string[];
  replyState: 'none' | 'waiting' | 'queued';
}

/** commandId = a hash of the key: the same request re-run after a crash yields the same ids. */
export function commandIdFor(commandKey: string): string {
  const h = createHash('sha256').update(commandKey).digest('hex');
  return `cmd-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
