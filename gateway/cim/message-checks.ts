import type { CimMessage } from './message.js';
import { replyError, type ReplyError } from './reply.js';
import { isEventVerb, isVerb } from './verbs.js';
import type { MessageShape } from './envelope-reader.js';

/** Header elements every message needs, checked before schema validation so they get 1.5. */
export function missingHeader(message: CimMessage): ReplyError[] {
  const errors: ReplyError[] = [];
  const base = `/${message.typedName ?? message.kind}/Header`;
  for (const [field, value] of [['Verb', message.header.verb], ['Noun', message.header.noun]] as const) {
    if (value === undefined) errors.push(replyError('1.5', { details: `Header/${field} is missing`, xpath: `${base}/${field}` }));
  }
  return errors;
}

/** Verb against the message kind and, for typed messages, against the wrapper's name. */
export function verbAndNounErrors(message: CimMessage, shape: MessageShape): ReplyError[] {
  const { verb, noun } = message.header;
  const base = `/${message.typedName ?? message.kind}/Header`;
  if (!verb || !noun) return [];
  if (!isVerb(verb)) return [replyError('2.9', { details: `'${verb}' is not a 61968-100 verb`, xpath: `${base}/Verb` })];
  if (message.kind === 'RequestMessage' && (isEventVerb(verb) || verb === 'reply')) {
    return [replyError('2.9', { details: `'${verb}' is not a request verb; past-tense verbs travel in an EventMessage`, xpath: `${base}/Verb` })];
  }
  if (message.kind === 'EventMessage' && !isEventVerb(verb)) {
    return [replyError('2.9', { details: `'${verb}' is not an event verb (created, changed, canceled, closed, deleted, executed)`, xpath: `${base}/Verb` })];
  }
  if (shape.form === 'typed') {
    if (shape.impliedVerb && shape.impliedVerb !== verb) {
      return [replyError('2.9', { details: `Header/Verb '${verb}' contradicts the message ${shape.typedName}`, xpath: `${base}/Verb` })];
    }
    if (shape.impliedNoun && shape.impliedNoun !== noun) {
      return [replyError('2.5', { details: `Header/Noun '${noun}' contradicts the message ${shape.typedName}`, xpath: `${base}/Noun` })];
    }
  }
  return [];
}

export function revisionErrors(message: CimMessage, accepted: readonly string[]): ReplyError[] {
  const revision = message.header.revision;
  if (accepted.length === 0 || revision === undefined || accepted.includes(revision)) return [];
  return [replyError('1.9', {
    details: `Revision ${revision} is not supported; supported: ${accepted.join(', ')}`,
    xpath: `/${message.typedName ?? message.kind}/Header/Revision`,
  })];
}
