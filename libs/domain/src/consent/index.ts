export * from './keywords';
export * from './plain-words';
export * from './quiet-hours';
export * from './help-reply';
