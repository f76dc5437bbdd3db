/**
 * Which instance runs the work that must happen once per cluster rather than once per
 * instance (read schedules, concentrator collections, outage threshold checks): the leader.
 * Work shared by claims (outbox, inbox, command queue) runs everywhere and needs no leader.
 */
export interface Leadership {
  /** True while this instance leads; asks to lead when nobody does (a dead leader's place is taken). */
  isLeader(): Promise<boolean>;
  /** Gives the place up (clean shutdown), so another instance takes over at once. */
  release(): Promise<void>;
}

/** One process is the whole cluster: it always leads. */
export const soleInstance: Leadership = { isLeader: async () => true, release: async () => undefined };
