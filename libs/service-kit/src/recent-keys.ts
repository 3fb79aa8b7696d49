/**
 * The newest `capacity` keys a replica has seen, the oldest forgotten first: the nonces of
 * webhooks answered from memory (a replay to this replica is refused without a write), and the
 * sends whose carrier id is settled. Bounded, so memory stays flat however long it runs.
 */
export class RecentKeys {
  // A Set iterates in insertion order: the first is the oldest.
  private readonly keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** False when the key was there already. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value ?? '');
    return true;
  }
}
