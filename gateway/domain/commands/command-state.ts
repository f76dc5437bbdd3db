/**
 * Command states, written once (pg-boss style). `accepted`: stored, its window not open yet;
 * `queued`: may be dispatched when it is its meter's turn; `sent`: handed to the head-end (a
 * crash here means a resend under the same commandId, which the head-end recognises). The rest
 * are final. `dead`: the gateway gave up (retries for transient failures exhausted), with a reason.
 */
export const CommandState = Object.freeze({
  accepted: 'accepted',
  queued: 'queued',
  sent: 'sent',
  succeeded: 'succeeded',
  failed: 'failed',
  expired: 'expired',
  canceled: 'canceled',
  dead: 'dead',
} as const);

export type CommandState = (typeof CommandState)[keyof typeof CommandState];

const S = CommandState;

/** Every allowed move; anything else is a bug and throws. */
const transitions: Readonly<Record<CommandState, readonly CommandState[]>> = Object.freeze({
  [S.accepted]: [S.queued, S.expired, S.canceled],
  [S.queued]: [S.sent, S.expired, S.canceled],
  // A transient failure puts it back in the queue (with a later attempt time), or buries it.
  [S.sent]: [S.succeeded, S.failed, S.queued, S.dead],
  [S.succeeded]: [],
  [S.failed]: [],
  [S.expired]: [],
  [S.canceled]: [],
  [S.dead]: [],
});

export const finalStates: readonly CommandState[] = Object.freeze([S.succeeded, S.failed, S.expired, S.canceled, S.dead]);
export const isFinal = (s: CommandState): boolean => finalStates.includes(s);
export const canMove = (from: CommandState, to: CommandState): boolean => transitions[from].includes(to);

export class IllegalTransition extends Error {
  constructor(readonly commandId: string, readonly from: CommandState, readonly to: CommandState) {
    super(`command ${commandId}: ${from} → ${to} is not an allowed transition`);
    this.name = 'IllegalTransition';
  }
}

/** The one place transitions are checked: every adapter calls it before it writes a state. */
export function assertTransition(commandId: string, from: CommandState, to: CommandState): void {
  if (!canMove(from, to)) throw new IllegalTransition(commandId, from, to);
}
