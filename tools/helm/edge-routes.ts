import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Type } from '@nestjs/common';
import { callIngestControllers } from '@textback/call-ingest';
import { complianceControllers } from '@textback/compliance';
import { conversationControllers } from '@textback/conversation';
import { decisionControllers } from '@textback/decision';
import { gatewayControllers } from '@textback/gateway';
import { reportingControllers } from '@textback/reporting';
import { ingressPaths, routesOf, type RouteInfo } from '@textback/service-kit';
import { smsDispatchControllers } from '@textback/sms-dispatch';

/** Every service's controllers, as its module registers them (the platform test checks this). */
export const controllersByService: Record<string, readonly Type[]> = {
  'call-ingest': callIngestControllers,
  decision: decisionControllers,
  'sms-dispatch': smsDispatchControllers,
  conversation: conversationControllers,
  compliance: complianceControllers,
  reporting: reportingControllers,
  gateway: gatewayControllers,
};

/** The route inventory from Nest's metadata: every HTTP route of every service. */
export function routeInventory(): (RouteInfo & { service: string })[] {
  return Object.entries(controllersByService).flatMap(([service, controllers]) =>
    routesOf([...controllers]).map((r) => ({ service, ...r })),
  );
}

/** The chart's copy of the edge paths, which its Ingress template reads. */
export const ingressPathsFile = resolve(__dirname, '../../helm/textback/files/ingress-paths.json');

export function ingressPathsJson(): string {
  return `${JSON.stringify({ paths: ingressPaths(routeInventory()) }, null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(ingressPathsFile, ingressPathsJson());
  process.stdout.write(`wrote ${ingressPathsFile}\n`);
}
