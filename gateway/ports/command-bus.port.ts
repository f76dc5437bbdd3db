/**
 * A leased command on its way from the relay to a worker. It names the command and the lease it
 * belongs to; the command itself is read from the queue, which stays the one source of truth.
 */
export interface CommandMessage {
  commandId: string;
  /** Routing key material: one meter's messages travel one FIFO lane. */
  meter: string;
  /** The command's attempt number when it was leased: a message of an older lease is stale. */
  attempt: number;
}

/** Resolving acknowledges the message; throwing hands it back for redelivery (bounded, then dead-lettered). */
export type CommandHandler = (message: CommandMessage) => Promise<void>;

/** Thrown by a handler for a message that can never be handled (e.g. an unknown commandId): dead-lettered at once. */
export class PoisonMessage extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessage';
  }
}

export interface CommandConsumer {
  /**
   * Stops taking messages. Handlers still running get up to `graceMs` (default 0) to finish and be
   * acknowledged; a message whose handler has not finished by then goes back to the bus and is
   * delivered again (to this process or another one).
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Carries leased commands from the relay to the workers (in process, or through a broker shared by
 * several gateway instances). At least once: a handler may see a message again after a crash, so it
 * checks the command's state before acting; the head-end de-duplicates by commandId.
 */
export interface CommandBus {
  /** Resolves once the bus answers for the messages (a broker's publisher confirms; in process: handled). */
  publish(messages: CommandMessage[]): Promise<void>;
  /** Delivers messages to `handler` until the consumer is stopped; each is acknowledged only after the handler resolved. */
  consume(handler: CommandHandler): Promise<CommandConsumer>;
  /** Messages published and not yet taken by any consumer (the relay stops leasing while this is high). */
  backlog(): Promise<number>;
  close(): Promise<void>;
}

/** A message the bus dead-lettered, as an operator inspects it. */
export interface DeadCommandMessage {
  /** The command message it carried; absent when the body is not one (then `problem` and `body` say what it was). */
  message?: CommandMessage;
  problem?: string;
  body?: string;
  messageId?: string;
  /** Why it died first: `rejected` (poison, unparseable) or `delivery_limit` (handed back too often). */
  reason: string;
  /** How many times it was dead-lettered. */
  deaths: number;
}

export type DeadLetterAction = 'replay' | 'discard' | 'keep';

/** At most this many dead letters at once (each is held unacknowledged while it is decided). */
export const DEAD_LETTERS_MAX = 1000;

/**
 * The dead letters of a bus that keeps them (the broker's dead queue). Taking them is at least
 * once: a message replayed by a process that dies before removing it stays dead as well, and a
 * later replay sends it again — harmless, the worker's state check decides what runs.
 */
export interface DeadCommandLetters {
  /** Up to `limit` dead messages, oldest first, left where they are. */
  peek(limit: number): Promise<DeadCommandMessage[]>;
  /**
   * Takes up to `limit` dead messages and does with each what `decide` answers: `replay` publishes
   * its command message again (confirmed) and removes it, `discard` removes it, `keep` leaves it.
   */
  settle(limit: number, decide: (m: DeadCommandMessage) => Promise<DeadLetterAction>): Promise<Record<DeadLetterAction, number>>;
}
