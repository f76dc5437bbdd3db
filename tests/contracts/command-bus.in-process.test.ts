import { pino } from 'pino';
import { InProcessCommandBus } from '../../gateway/adapters/in-process/command-bus.in-process.js';
import { commandBusContract } from './command-bus.contract.js';

commandBusContract('in-process', async () => {
  const bus = new InProcessCommandBus({ concurrency: 4, maxDeliveries: 3, log: pino({ level: 'silent' }) });
  return {
    bus, maxDeliveries: 3,
    deadLetters: async () => bus.deadLetters().map((d) => ({ message: d.message, reason: d.reason })),
    close: () => bus.close(),
  };
});
