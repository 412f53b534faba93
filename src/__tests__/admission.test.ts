import { describe, expect, it } from 'vitest';
import { Admission } from '../admission.ts';

describe('Admission', () => {
  it('lets in up to its limit, then hands each freed turn to the longest waiting, first in, first out', async () => {
    const admission = new Admission(2);
    expect(admission.tryEnter()).toBe(true);
    expect(admission.tryEnter()).toBe(true);
    expect(admission.tryEnter()).toBe(false);
    const admitted: string[] = [];
    const waits = ['a', 'b', 'c'].map((name) => admission.wait().then(() => admitted.push(name)));
    expect(admission).toMatchObject({ limit: 2, active: 2, waiting: 3 });

    admission.leave();
    await Promise.resolve();
    expect(admitted).toEqual(['a']);
    expect(admission).toMatchObject({ active: 2, waiting: 2 });

    admission.leave();
    admission.leave();
    await Promise.all(waits.slice(0, 2));
    await Promise.resolve();
    expect(admitted).toEqual(['a', 'b', 'c']);
    expect(admission).toMatchObject({ active: 2, waiting: 0 });

    admission.leave();
    admission.leave();
    expect(admission).toMatchObject({ active: 0, waiting: 0 });
    expect(admission.tryEnter()).toBe(true);
  });

  it('keeps a newcomer behind those already waiting, even when it arrives as a turn frees', async () => {
    const admission = new Admission(1);
    expect(admission.tryEnter()).toBe(true);
    const order: string[] = [];
    const first = admission.wait().then(() => order.push('waiting'));
    admission.leave(); // handed to the waiting one, not left free
    expect(admission.tryEnter()).toBe(false);
    const second = admission.wait().then(() => order.push('newcomer'));
    await first;
    admission.leave();
    await second;
    expect(order).toEqual(['waiting', 'newcomer']);
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => new Admission(limit)).toThrow(RangeError);
  });
});
