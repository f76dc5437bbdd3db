import { ProtocolRejection } from './errors.js';
import type { CimHeader, CimMessage, MessageKind } from './message.js';
import { capitalise, allVerbs } from './verbs.js';
import { MSG_NS, type NsRewrite } from '../xml/namespaces.js';
import { child, children, rehome, text, type XNode } from '../xml/xnode.js';

const KINDS: readonly MessageKind[] = ['RequestMessage', 'ResponseMessage', 'EventMessage', 'FaultMessage'];
const TYPED_NS = /^http:\/\/iec\.ch\/TC57\/2011\/([A-Za-z]+)Message$/;
const TYPED_VERB = new RegExp(`^(${allVerbs.filter((v) => v !== 'reply').map(capitalise).join('|')})([A-Z][A-Za-z]+)$`);

export interface MessageShape {
  kind: MessageKind;
  form: 'generic' | 'typed';
  typedName?: string;
  /** For typed messages, what the wrapper's name implies. */
  impliedVerb?: string;
  impliedNoun?: string;
}

/** Which message a root element is, or a rejection naming what was expected. */
export function classifyRoot(ns: string, name: string): MessageShape {
  if (ns === MSG_NS && (KINDS as readonly string[]).includes(name)) return { kind: name as MessageKind, form: 'generic' };
  const typed = TYPED_NS.exec(ns);
  if (typed) {
    const noun = typed[1]!;
    if (name === `${noun}ResponseMessage`) return { kind: 'ResponseMessage', form: 'typed', typedName: name, impliedNoun: noun, impliedVerb: 'reply' };
    if (name === `${noun}FaultMessage`) return { kind: 'FaultMessage', form: 'typed', typedName: name, impliedNoun: noun };
    const m = TYPED_VERB.exec(name);
    if (m && m[2] === noun) {
      const verb = m[1]!.toLowerCase();
      const kind: MessageKind = verb.endsWith('ed') ? 'EventMessage' : 'RequestMessage';
      return { kind, form: 'typed', typedName: name, impliedVerb: verb, impliedNoun: noun };
    }
  }
  throw new ProtocolRejection(400, 'Not a 61968-100 message',
    `root element {${ns}}${name} is not RequestMessage, ResponseMessage, EventMessage or FaultMessage in ${MSG_NS}, nor a strongly typed <Verb><Noun> message`,
    { xpath: `/${name}` });
}

function readHeader(h: XNode | undefined): CimHeader {
  const user = child(h, 'User');
  return {
    verb: text(h, 'Verb'),
    noun: text(h, 'Noun'),
    revision: text(h, 'Revision'),
    context: text(h, 'Context'),
    timestamp: text(h, 'Timestamp'),
    source: text(h, 'Source'),
    asyncReplyFlag: text(h, 'AsyncReplyFlag') === 'true' || text(h, 'AsyncReplyFlag') === '1',
    replyAddress: text(h, 'ReplyAddress'),
    ackRequired: text(h, 'AckRequired') === 'true' || text(h, 'AckRequired') === '1',
    userId: text(user, 'UserID'),
    organization: text(user, 'Organization'),
    messageId: text(h, 'MessageID'),
    correlationId: text(h, 'CorrelationID'),
    comment: text(h, 'Comment'),
    properties: children(h, 'Property').map((p) => ({ name: text(p, 'Name') ?? '', value: text(p, 'Value') })),
  };
}

/** Reads the envelope parts of a (converted) message root into one shape for both forms. */
export function readMessage(root: XNode, rewrite: NsRewrite): CimMessage {
  const shape = classifyRoot(root.ns, root.name);
  // Typed wrappers declare Header/Request/Reply/Payload in their own namespace; re-home them
  // so every handler sees the generic form.
  const body = shape.form === 'typed' ? rehome(root, root.ns, MSG_NS) : root;
  const headerNode = child(body, 'Header', MSG_NS);
  const message: CimMessage = {
    kind: shape.kind,
    form: shape.form,
    header: readHeader(headerNode),
    request: child(body, 'Request', MSG_NS),
    reply: child(body, 'Reply', MSG_NS),
    payload: child(body, 'Payload', MSG_NS),
    rewrite,
  };
  if (shape.typedName) message.typedName = shape.typedName;
  if (shape.impliedNoun) message.typedNoun = shape.impliedNoun;
  return message;
}
