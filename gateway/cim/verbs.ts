export const requestVerbs = ['get', 'create', 'change', 'cancel', 'close', 'delete', 'execute'] as const;
export const eventVerbs = ['created', 'changed', 'canceled', 'closed', 'deleted', 'executed'] as const;
export const allVerbs = [...requestVerbs, ...eventVerbs, 'reply'] as const;
export type Verb = (typeof allVerbs)[number];

export const isVerb = (v: string): v is Verb => (allVerbs as readonly string[]).includes(v);
export const isEventVerb = (v: string): boolean => (eventVerbs as readonly string[]).includes(v);

/** `create` → `Create`: the typed-message and WSDL operation spelling. */
export const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Verbs that carry their subject in the Payload (a get carries it in the Request). */
export const verbNeedsPayload = (v: Verb): boolean => v !== 'get' && v !== 'reply';
