/**
 * Lets a test put a concurrent request between a use case's read and its write: each queued action runs just before
 * the next write reaches the fake store, as another Lambda's request would. The action usually changes the same
 * resource through the repository, so the write that follows finds a new version and fails its condition exactly as
 * the DynamoDB adapter's would: the conflict is real, not a thrown stand-in.
 */
export class Interleaving {
  private readonly queued: Array<() => Promise<void>> = [];
  private running = false;
  /** Writes that arrived (the concurrent actions' own writes excluded). */
  writes = 0;

  /** Runs `action` before the next write. Queue several to make several attempts in a row lose. */
  beforeNextWrite(action: () => Promise<void>): this {
    this.queued.push(action);
    return this;
  }

  /** Runs `action` before each of the next `times` writes. */
  beforeEachOfNextWrites(times: number, action: (attempt: number) => Promise<void>): this {
    for (let attempt = 1; attempt <= times; attempt++) this.queued.push(() => action(attempt));
    return this;
  }

  get pending(): number {
    return this.queued.length;
  }

  /** Called by the fakes at the start of every write. Writes made by a running action do not trigger the next one. */
  async beforeWrite(): Promise<void> {
    if (this.running) return;
    this.writes++;
    const next = this.queued.shift();
    if (!next) return;
    this.running = true;
    try {
      await next();
    } finally {
      this.running = false;
    }
  }
}
