import type { Command, StoredRequest } from '../../domain/commands/command.js';
import type { CommandState } from '../../domain/commands/command-state.js';

/** A commands row as node-postgres returns it. */
export interface Row {
  seq: string; command_id: string; command_key: string; meter: string; device_label: string; kind: Command['kind']; control_type: string;
  control_mrid: string | null; source: string; params: Command['params']; priority: number; not_before: Date | null; not_after: Date | null;
  reason: string | null; state: CommandState; attempts: number; next_attempt_at: Date; detail: string | null; result_values: Record<string, number> | null;
  confirmed_by: string | null; confirmed_at: Date | null; created_at: Date; updated_at: Date;
}

export interface RequestRow {
  id: string; source: string; message_id: string; correlation_id: string; verb: string; reply_address: string | null; protocol: 'SOAP' | 'REST' | null;
  typed: boolean; rewrite: [string, string][]; rejected: StoredRequest['rejected']; reply_state: StoredRequest['replyState'];
}

export function toCommand(r: Row): Command {
  const c: Command = {
    commandId: r.command_id, commandKey: r.command_key, meter: r.meter, deviceLabel: r.device_label, kind: r.kind, controlType: r.control_type,
    source: r.source, params: r.params, priority: r.priority, state: r.state, seq: Number(r.seq), attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at, createdAt: r.created_at, updatedAt: r.updated_at,
  };
  if (r.control_mrid !== null) c.controlMRID = r.control_mrid;
  if (r.not_before !== null) c.notBefore = r.not_before;
  if (r.not_after !== null) c.notAfter = r.not_after;
  if (r.reason !== null) c.reason = r.reason;
  if (r.detail !== null) c.detail = r.detail;
  if (r.result_values !== null) c.values = r.result_values;
  if (r.confirmed_by !== null) c.confirmedBy = r.confirmed_by;
  if (r.confirmed_at !== null) c.confirmedAt = r.confirmed_at;
  return c;
}

export function toRequest(r: RequestRow, commands: Command[]): StoredRequest {
  return {
    id: Number(r.id), source: r.source, messageId: r.message_id, correlationId: r.correlation_id, verb: r.verb, typed: r.typed,
    rewrite: r.rewrite, rejected: r.rejected, replyState: r.reply_state, commandIds: commands.map((c) => c.commandId),
    ...(r.reply_address ? { replyAddress: r.reply_address } : {}), ...(r.protocol ? { protocol: r.protocol } : {}),
  };
}

/** A row as to_jsonb writes it: timestamps are ISO strings, bigints numbers. */
export type JsonRow<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

const dateOf = (v: string | null): Date | null => (v === null ? null : new Date(v));

export function fromJson(r: JsonRow<Row>): Row {
  return {
    ...r, seq: String(r.seq), not_before: dateOf(r.not_before), not_after: dateOf(r.not_after), next_attempt_at: new Date(r.next_attempt_at),
    confirmed_at: dateOf(r.confirmed_at), created_at: new Date(r.created_at), updated_at: new Date(r.updated_at),
  };
}

export const requestFromJson = (r: JsonRow<RequestRow>): RequestRow => ({ ...r, id: String(r.id) });
