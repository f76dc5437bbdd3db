import type { CommandMessage } from '../../ports/command-bus.port.js';

export const COMMAND_CONTENT_TYPE = 'application/vnd.cim-gateway.command+json';

/** The message body as the relay writes it; anything else is unparseable (dead-lettered at once). */
export function parseCommandMessage(content: Buffer): CommandMessage | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  const o = v as Partial<Record<keyof CommandMessage, unknown>> | null;
  if (typeof o !== 'object' || o === null) return { error: 'not a JSON object' };
  if (typeof o.commandId !== 'string' || o.commandId === '') return { error: 'commandId missing' };
  if (typeof o.meter !== 'string' || o.meter === '') return { error: 'meter missing' };
  if (typeof o.attempt !== 'number' || !Number.isInteger(o.attempt) || o.attempt < 1) return { error: 'attempt is not a positive integer' };
  return { commandId: o.commandId, meter: o.meter, attempt: o.attempt };
}
