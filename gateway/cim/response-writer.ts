import { randomUUID } from 'node:crypto';
import type { Reply } from './reply.js';
import { answerNs, MSG_NS, typedNs, type NsRewrite } from '../xml/namespaces.js';
import { el, opt, type XNode } from '../xml/xnode.js';
import { writeXml } from '../xml/xml-writer.js';

export interface OutgoingMessage {
  kind: 'ResponseMessage' | 'EventMessage' | 'RequestMessage';
  verb: string;
  noun: string;
  source: string;
  messageId?: string;
  correlationId?: string;
  timestamp?: Date;
  reply?: Reply;
  /** The noun element (or anything else that goes inside Payload). */
  payload?: XNode;
  /** Answer in the strongly typed form (when the request came that way). */
  typed?: boolean;
  /** The typed form's noun when it differs from Header/Noun (a request that contradicted its wrapper). */
  wrapperNoun?: string;
  extraHeader?: XNode[];
}

export function replyNode(reply: Reply, ns = MSG_NS): XNode {
  return el(ns, 'Reply', [
    el(MSG_NS, 'Result', reply.result),
    ...reply.errors.map((e) => el(MSG_NS, 'Error', [
      el(MSG_NS, 'code', e.code),
      opt(MSG_NS, 'level', e.level),
      opt(MSG_NS, 'reason', e.reason),
      opt(MSG_NS, 'details', e.details),
      opt(MSG_NS, 'xpath', e.xpath),
    ])),
    ...(reply.ids ?? []).map((id) => el(MSG_NS, 'ID', id.value, {
      ...(id.kind ? { kind: id.kind } : {}),
      ...(id.objectType ? { objectType: id.objectType } : {}),
    })),
  ]);
}

/**
 * Header timestamps in UTC (`Z`): an xs:dateTime with an explicit zone is unambiguous for every
 * peer, and a utility-local offset would change twice a year under America/Santiago's DST rules.
 */
export function headerTimestamp(d: Date): string {
  return d.toISOString();
}

/** Builds a message tree in the generic or the typed form. */
export function buildMessage(m: OutgoingMessage): XNode {
  const wrapperNoun = m.wrapperNoun ?? m.noun;
  const wrapperNs = m.typed ? typedNs(wrapperNoun) : MSG_NS;
  const header = el(wrapperNs, 'Header', [
    el(MSG_NS, 'Verb', m.verb),
    el(MSG_NS, 'Noun', m.noun),
    el(MSG_NS, 'Timestamp', headerTimestamp(m.timestamp ?? new Date())),
    el(MSG_NS, 'Source', m.source),
    el(MSG_NS, 'MessageID', m.messageId ?? randomUUID()),
    opt(MSG_NS, 'CorrelationID', m.correlationId),
    ...(m.extraHeader ?? []),
  ]);
  let rootName: string = m.kind;
  if (m.typed) {
    const cap = m.verb.charAt(0).toUpperCase() + m.verb.slice(1);
    rootName = m.kind === 'ResponseMessage' ? `${wrapperNoun}ResponseMessage` : `${cap}${wrapperNoun}`;
  }
  return el(wrapperNs, rootName, [
    header,
    m.reply && replyNode(m.reply, wrapperNs),
    m.payload && el(wrapperNs, 'Payload', [m.payload]),
  ]);
}

/** XML text of a message, with namespaces spelt as the peer spelt them. */
export function renderMessageXml(message: XNode, rewrite?: NsRewrite, declaration = true): string {
  const prefixes: Record<string, string> = { [MSG_NS]: 'm' };
  if (message.ns !== MSG_NS) prefixes[message.ns] = 'tns';
  return writeXml(message, { prefixes, nsOut: (ns) => answerNs(rewrite, ns), declaration });
}
