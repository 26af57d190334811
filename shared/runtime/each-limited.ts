// Bounded concurrency for a list of independent async jobs (a list's status reads, a benchmark's).

/** Runs `work` on every item, at most `limit` at once, in the items' order. */
export async function eachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
