import { MSG_NS } from '../../xml/namespaces.js';

/** Operation of the generic WSDL for each generic message root. */
export const genericOperations = { RequestMessage: 'Request', EventMessage: 'PublishEvent', ResponseMessage: 'Response' } as const;

export const soapActionFor = (namespace: string, operation: string): string => `${namespace}/${operation}`;

/**
 * The SOAPAction values that fit a body element: the WSDL's own value, or the bare operation
 * name some toolkits send. The namespace is the (normalised) one of the body element.
 */
export function acceptableActions(bodyNs: string, bodyName: string): string[] {
  const operation = bodyNs === MSG_NS ? genericOperations[bodyName as keyof typeof genericOperations] : bodyName;
  if (!operation) return [];
  return [soapActionFor(bodyNs, operation), operation];
}
