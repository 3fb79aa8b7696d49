import 'reflect-metadata';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { runIfMain, serviceStarter } from '@textback/service-kit';
import { AppModule, reportingMigrations } from './app.module';
import { loadReportingConfig } from './config';

export const startReporting = serviceStarter({
  service: 'reporting',
  loadConfig: loadReportingConfig,
  module: AppModule,
  migrations: reportingMigrations,
  configure: (app) => {
    // The what-if takes a call log as CSV.
    app.useBodyParser('text', {
      type: ['text/csv', 'text/plain', 'application/csv'],
      limit: '10mb',
    });
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Textback reporting API')
        .setDescription(
          'Recovered leads and revenue for analysts: the text-back funnel with ROI, the calls list, the ROI what-if. Authenticate with a tenant API key (`Authorization: Bearer tbk_…`).',
        )
        .setVersion('1')
        .addBearerAuth({
          type: 'http',
          scheme: 'bearer',
          description: 'A tenant API key (tbk_…), or the operator admin key.',
        })
        .build(),
    );
    SwaggerModule.setup('v1/reports/docs', app, document, {
      jsonDocumentUrl: 'v1/reports/openapi.json',
    });
  },
});

runIfMain(module, () => startReporting(process.env));
export { reportingControllers } from './app.module';
