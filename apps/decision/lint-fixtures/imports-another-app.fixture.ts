// Lint fixture (never built or run): a service importing another service instead of talking
// over a topic. Checked by tools/lint/module-boundaries.spec.ts.
import { startGateway } from '@textback/gateway';

export const reachedAcross = startGateway;
