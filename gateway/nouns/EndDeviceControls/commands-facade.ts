import type { Reply } from '../../cim/reply.js';
import type { Command } from '../../domain/commands/command.js';
import type { ControlRequest } from '../../domain/commands/control-request.js';
import type { Accepted, RequestMeta } from '../../use-cases/accept-commands.use-case.js';
import type { CancelTarget } from '../../use-cases/cancel-commands.use-case.js';

/** The command use cases the EndDeviceControls handlers call (wired in app.ts, given through NounDeps). */
export interface CommandsFacade {
  accept(controls: ControlRequest[], meta: RequestMeta): Promise<Accepted>;
  cancel(targets: CancelTarget[], meta: { source: string; messageId: string }): Promise<{ reply: Reply; commands: Command[] }>;
}
