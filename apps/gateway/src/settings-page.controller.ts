import { resolve } from 'node:path';
import { builtPageController } from '@textback/service-kit';

/** The settings page (apps/gateway/web): a person's account, a brand's sign-in settings. */
export const SettingsPageController = builtPageController(
  'settings',
  resolve(__dirname, '../web/dist'),
  'the settings page',
);
