/** Nest's injection token for the service's `ServiceRuntime` (its own module: no import cycles). */
export const RUNTIME = Symbol('SERVICE_RUNTIME');
