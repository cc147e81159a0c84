/**
 * @module test/helpers/races
 * The small tools the black-box tests race requests with: a bounded pool of
 * concurrent tasks, and a tally of how the raced requests ended.
 */

/** Runs `count` tasks with at most `concurrency` in flight; every outcome, in task order. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        try {
          results[i] = { status: 'fulfilled', value: await task(i) };
        } catch (reason) {
          results[i] = { status: 'rejected', reason };
        }
      }
    }),
  );
  return results;
}

/** How many outcomes of each kind: `ok`, or the error's name. */
export function tally(results: readonly PromiseSettledResult<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const name = r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
