// Lint fixture (never built or run): production code may not import the testing lib.
// Checked by tools/lint/module-boundaries.spec.ts.
import { eventually } from '@textback/testing';

export const banned = eventually;
