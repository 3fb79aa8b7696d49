import { resolve } from 'node:path';
import { builtPageController } from '@textback/service-kit';

/** The operator inbox page (apps/conversation/web); it talks to the inbox API. */
export const InboxPageController = builtPageController(
  'inbox',
  resolve(__dirname, '../../web/dist'),
  'the inbox page',
);
