export * from './data-source';
export * from './processed-events';
export * from './outbox';
export * from './entities/outbox-message.entity';
export * from './entities/processed-event.entity';
export * from './webhook-nonces';
