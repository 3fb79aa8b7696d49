import { Statements, type Queryable, type Tx } from './sql';

/**
 * One open transaction: its statements, what it defers to its commit (`gathered`) and past it
 * (`afterCommit`, the relay's wake-up), and — for a consumer's batch — its events and the
 * first failure that must keep it from committing.
 */
export class Transaction extends Statements implements Tx {
  readonly effects: (() => void)[] = [];
  /** What `gathered` keeps, in the order first asked, with its writer. */
  private readonly gatherings = new Map<object, { value: unknown; write: () => Promise<void> }>();
  outbox = false;
  /** A batch's transaction while its work runs; statements after it go to the pool. */
  open = true;
  /** The first statement or nested transaction that failed (a batch must then not commit). */
  failure: unknown;
  /**
   * A batch's events (id → topic), and per consumer and topic the ids it had not handled before
   * (see `handleOnce`).
   */
  eventTopics: ReadonlyMap<string, string> = new Map();
  /** Keyed by consumer and topic. */
  readonly freshByConsumer = new Map<string, Set<string>>();

  constructor(client: Queryable) {
    super({
      query: (text, params) =>
        client.query(text, params).catch((err: unknown) => {
          this.failure ??= err;
          throw err;
        }),
    });
  }

  afterCommit(effect: () => void): void {
    this.effects.push(effect);
  }

  wroteOutbox(): void {
    this.outbox = true;
  }

  gathered<T>(key: object, start: () => T, write: (tx: Tx, value: T) => Promise<void>): T {
    const known = this.gatherings.get(key);
    if (known) return known.value as T;
    const value = start();
    this.gatherings.set(key, { value, write: () => write(this, value) });
    return value;
  }

  /** Writes what was gathered (each once; a writer may gather more for a later writer). */
  async writeGathered(): Promise<void> {
    for (const [key, gathering] of this.gatherings) {
      this.gatherings.delete(key);
      await gathering.write();
    }
  }
}
