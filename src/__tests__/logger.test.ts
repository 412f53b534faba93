import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTimestamp } from '../logger.ts';

const LAST_FOUR_DIGIT_YEAR = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe('isoTimestamp', () => {
  it("writes what pino's isoTime writes, for any sequence of times (one instance, its per-second text reused)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: LAST_FOUR_DIGIT_YEAR }),
            fc.integer({ min: 1_780_000_000_000, max: 1_780_000_003_000 }),
          ),
          {
            minLength: 1,
            maxLength: 50,
          },
        ),
        (times) => {
          let current = 0;
          const timestamp = isoTimestamp(() => current);
          for (const time of times) {
            current = time;
            expect(timestamp()).toBe(`,"time":"${new Date(time).toISOString()}"`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pads the milliseconds', () => {
    const at = [
      Date.UTC(2026, 11, 4, 15, 3, 53, 0),
      Date.UTC(2026, 11, 4, 15, 3, 53, 7),
      Date.UTC(2026, 11, 4, 15, 3, 53, 42),
    ];
    let index = 0;
    const timestamp = isoTimestamp(() => at[index]!);
    const out = at.map((_, i) => ((index = i), timestamp()));
    expect(out).toEqual([
      ',"time":"2026-12-04T15:03:53.000Z"',
      ',"time":"2026-12-04T15:03:53.007Z"',
      ',"time":"2026-12-04T15:03:53.042Z"',
    ]);
  });
});
