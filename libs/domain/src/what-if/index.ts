export * from './call-log';
export * from './projection';
