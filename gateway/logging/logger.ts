import { pino, type Logger } from 'pino';
import type { GatewayConfig } from '../config/config.js';

export type { Logger };

export function createLogger(config: Pick<GatewayConfig, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'cim-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials can arrive in headers; they never belong in a log line.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], remove: true },
  });
}
