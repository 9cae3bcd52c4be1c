/**
 * Group commit: callers submit items one at a time; they are written together in one statement
 * when `maxItems` have gathered or `maxDelayMs` has passed, and each caller's promise settles when
 * its batch is durable. One write runs at a time; items arriving meanwhile form the next batch.
 */
export interface Batcher<T, R> {
  submit(item: T): Promise<R>;
  /** Writes what is pending and waits for writes under way. */
  drain(): Promise<void>;
}

export function createBatcher<T, R>(
  write: (items: T[]) => Promise<R[]>,
  options: { maxItems?: number; maxDelayMs?: number } = {},
): Batcher<T, R> {
  const maxItems = options.maxItems ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 2;
  type Pending = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const run = async (): Promise<void> => {
    while (queue.length) {
      const batch = queue.slice(0, maxItems);
      queue = queue.slice(batch.length);
      try {
        const results = await write(batch.map((p) => p.item));
        for (const [i, p] of batch.entries()) p.resolve(results[i] as R);
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  };
  const kick = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (running) return;
    running = run().finally(() => {
      running = undefined;
      if (queue.length) kick();
    });
  };
  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (queue.length >= maxItems) kick();
        else timer ??= setTimeout(kick, maxDelayMs);
      });
    },
    async drain() {
      if (queue.length) kick();
      while (running) await running;
    },
  };
}
