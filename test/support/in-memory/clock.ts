import type { Clock } from '../../../lambda/domain/clock';

/** A clock that moves one second per reading, so every write of a test has its own timestamp. */
export function steppingClock(start = Date.parse('2026-05-01T08:00:00.000Z')): Clock {
  let t = start;
  return {
    now: () => {
      t += 1000;
      return new Date(t);
    },
  };
}
