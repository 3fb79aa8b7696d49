export * from './keywords';
export * from './languages';
export * from './plain-words';
export * from './reading';
export * from './quiet-hours';
export * from './help-reply';
export * from './send-hold';
