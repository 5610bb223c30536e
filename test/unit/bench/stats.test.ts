import { pageStarts, percentile, runPool, summarize } from '../../../bench/stats';

describe('percentile', () => {
  it('answers the nearest-rank value whatever the input order', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(10);
  });

  it('answers the only value of one, and NaN of none', () => {
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('leaves its input unsorted', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it('summarizes count, p50, p99 and max', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(values)).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
  });
});

describe('runPool', () => {
  it('runs every index once, never more than the concurrency at a time', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let most = 0;
    await runPool(23, 5, async (index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, index % 3));
      seen.push(index);
      inFlight--;
    });
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(most).toBe(5);
  });

  it('stops taking work after a failure and rejects with it', async () => {
    const started: number[] = [];
    await expect(
      runPool(100, 2, async (index) => {
        started.push(index);
        if (index === 3) throw new Error('index 3 failed');
      }),
    ).rejects.toThrow('index 3 failed');
    expect(started.length).toBeLessThan(100);
  });

  it('does nothing for no work', async () => {
    const work = jest.fn(async () => {});
    await runPool(0, 5, work);
    expect(work).not.toHaveBeenCalled();
  });
});

describe('pageStarts', () => {
  it('pages like Okta: 1, 101, 201 … up to the total', () => {
    expect(pageStarts(250, 100)).toEqual([1, 101, 201]);
    expect(pageStarts(200, 100)).toEqual([1, 101]);
    expect(pageStarts(10_000, 100)).toHaveLength(100);
    expect(pageStarts(0, 100)).toEqual([]);
  });

  it('refuses a page size below 1', () => {
    expect(() => pageStarts(10, 0)).toThrow(RangeError);
  });
});
