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
