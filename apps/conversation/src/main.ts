import 'reflect-metadata';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, conversationMigrations } from './app.module';
import { loadConversationConfig } from './config';

export const startConversation = serviceStarter({
  service: 'conversation',
  loadConfig: loadConversationConfig,
  module: AppModule,
  migrations: conversationMigrations,
});

runIfMain(module, () => startConversation(process.env));
export { CrmSyncService } from './crm/crm-sync.service';
export { conversationControllers } from './app.module';
