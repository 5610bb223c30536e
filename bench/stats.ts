/** Small pure helpers the bulk bench shares: percentiles, a bounded worker pool and Okta's import paging. */

/** The value below which `p` percent of `values` lie (nearest rank); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

/**
 * Runs `work(0 … count-1)` with at most `concurrency` calls in flight, each worker taking the next index as soon as
 * its previous call settled, like a client holding a fixed number of connections. Rejects with the first failure
 * once every worker stopped.
 */
export async function runPool(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        await work(index);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  if (failure !== undefined) throw failure;
}

/** The 1-based `startIndex` of each page Okta asks for to read `total` resources `count` at a time. */
export function pageStarts(total: number, count: number): number[] {
  if (count < 1) throw new RangeError('count must be at least 1');
  const starts: number[] = [];
  for (let start = 1; start <= total; start += count) starts.push(start);
  return starts;
}
