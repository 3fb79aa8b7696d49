import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule } from './app.module';
import { loadConversationConfig } from './config';

export const startConversation = serviceStarter({
  service: 'conversation',
  loadConfig: loadConversationConfig,
  module: AppModule,
});

runIfMain(module, () => startConversation(process.env));
