import type { DeliveryProtocol } from '../../ports/outbox.port.js';

/** Where an AMQP subscription's EventMessages go, on the gateway's own broker (amqpUrl). */
export interface AmqpEndpoint {
  exchange: string;
  routingKey: string;
}

export const AMQP_ENDPOINT_SYNTAX = 'amqp:<exchange>/<routing-key>';

// RabbitMQ's own rules for names (the broker refuses others), routing keys at most 255 bytes.
const EXCHANGE = /^[A-Za-z0-9_.:-]{1,255}$/;
const ROUTING_KEY = /^[\x21-\x7E]{0,255}$/;

/**
 * Reads `amqp:<exchange>/<routing-key>`: the exchange (letters, digits, _ . : -) must exist on the
 * broker, the routing key (printable ASCII without spaces, may be empty for a fanout exchange) is
 * everything after the first '/'. The broker itself is the gateway's, never part of the endpoint,
 * so a subscription cannot send events to a host of its choosing.
 */
export function parseAmqpEndpoint(endpoint: string): AmqpEndpoint | { error: string } {
  const bad = (why: string) => ({ error: `${why}; an AMQP endpoint is ${AMQP_ENDPOINT_SYNTAX}, e.g. amqp:cim.events/EndDeviceEvents.created` });
  if (!endpoint.startsWith('amqp:')) return bad(`'${endpoint}' does not start with amqp:`);
  const rest = endpoint.slice('amqp:'.length);
  if (rest.startsWith('//')) return bad('a broker URL is not an endpoint (the broker is the gateway\'s amqpUrl)');
  const slash = rest.indexOf('/');
  if (slash < 0) return bad(`'${endpoint}' has no '/' between exchange and routing key`);
  const exchange = rest.slice(0, slash);
  const routingKey = rest.slice(slash + 1);
  if (exchange === '') return bad('the exchange is empty (the default exchange is not used for events)');
  if (!EXCHANGE.test(exchange)) return bad(`exchange '${exchange}' may hold only letters, digits and _ . : - (at most 255)`);
  if (!ROUTING_KEY.test(routingKey)) return bad(`routing key '${routingKey}' may hold only printable ASCII without spaces (at most 255)`);
  return { exchange, routingKey };
}

/** Why `endpoint` cannot be used with `protocol`, or undefined when it can. */
export function endpointProblem(protocol: DeliveryProtocol, endpoint: string): string | undefined {
  if (protocol === 'AMQP') {
    const parsed = parseAmqpEndpoint(endpoint);
    return 'error' in parsed ? parsed.error : undefined;
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `'${endpoint}' is not a URL; a ${protocol} endpoint is an http:// or https:// URL`;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : `a ${protocol} endpoint is an http:// or https:// URL (got ${url.protocol})`;
}
