import { resolve } from 'node:path';
import { ApiExcludeController } from '@nestjs/swagger';
import { builtPageController } from '@textback/service-kit';

/** The analyst page (apps/reporting/web): funnel and ROI charts over the reporting API. Not part of the API document. */
export const AnalystPageController = builtPageController(
  'reports',
  resolve(__dirname, '../web/dist'),
  'the analyst page',
);
ApiExcludeController()(AnalystPageController);
