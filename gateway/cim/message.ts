import type { NsRewrite } from '../xml/namespaces.js';
import type { XNode } from '../xml/xnode.js';

export type MessageKind = 'RequestMessage' | 'ResponseMessage' | 'EventMessage' | 'FaultMessage';

export interface CimHeader {
  verb?: string;
  noun?: string;
  revision?: string;
  context?: string;
  timestamp?: string;
  source?: string;
  asyncReplyFlag: boolean;
  replyAddress?: string;
  ackRequired: boolean;
  userId?: string;
  organization?: string;
  messageId?: string;
  correlationId?: string;
  comment?: string;
  properties: { name: string; value?: string }[];
}

/** A 61968-100 message in either the generic or the strongly typed form, read into one shape. */
export interface CimMessage {
  kind: MessageKind;
  form: 'generic' | 'typed';
  /** Root element name of a typed message, e.g. CreateEndDeviceControls. */
  typedName?: string;
  /** The noun a typed wrapper is for (its namespace says so), whatever the Header claims. */
  typedNoun?: string;
  header: CimHeader;
  /** Request element; its StartTime/EndTime/Option/ID children are in the message namespace. */
  request?: XNode;
  reply?: XNode;
  payload?: XNode;
  rewrite: NsRewrite;
  /** The payload's content still arriving (streamed ingest); the route that asked for it reads it. */
  streamed?: object;
}
