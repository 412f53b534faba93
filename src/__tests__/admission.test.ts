import { describe, expect, it } from 'vitest';
import { Admission } from '../admission.ts';

describe('Admission', () => {
  it('lets in up to its limit, then hands each freed turn to the longest waiting, first in, first out', async () => {
    const admission = new Admission(2);
    expect(admission.tryEnter()).toBe(true);
    expect(admission.tryEnter()).toBe(true);
    expect(admission.tryEnter()).toBe(false);
    const admitted: string[] = [];
    const waits = ['a', 'b', 'c'].map((name) => admission.wait(0)!.then(() => admitted.push(name)));
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
    const first = admission.wait(0)!.then(() => order.push('waiting'));
    admission.leave(); // handed to the waiting one, not left free
    expect(admission.tryEnter()).toBe(false);
    const second = admission.wait(0)!.then(() => order.push('newcomer'));
    await first;
    admission.leave();
    await second;
    expect(order).toEqual(['waiting', 'newcomer']);
  });

  it('bounds the waiting list by requests and by the bytes they hold, and frees both as turns come', async () => {
    const admission = new Admission(1, { maxWaiting: 2, maxWaitingBytes: 100 });
    expect(admission.tryEnter()).toBe(true);
    const first = admission.wait(60);
    expect(first).not.toBeNull();
    // 60 + 41 would pass the 100 bytes; 40 fits exactly.
    expect(admission.wait(41)).toBeNull();
    const second = admission.wait(40);
    expect(second).not.toBeNull();
    expect(admission).toMatchObject({ waiting: 2, waitingBytes: 100 });
    // Two wait: a third is refused, however small.
    expect(admission.wait(0)).toBeNull();

    admission.leave(); // the first's turn: its 60 bytes no longer wait
    await first;
    expect(admission).toMatchObject({ active: 1, waiting: 1, waitingBytes: 40 });
    const third = admission.wait(60);
    expect(third).not.toBeNull();
    expect(admission).toMatchObject({ waiting: 2, waitingBytes: 100 });
    admission.leave();
    admission.leave();
    await Promise.all([second, third]);
    expect(admission).toMatchObject({ active: 1, waiting: 0, waitingBytes: 0 });
  });

  it('lets no one wait with a bound of 0', () => {
    const admission = new Admission(1, { maxWaiting: 0, maxWaitingBytes: 1000 });
    expect(admission.tryEnter()).toBe(true);
    expect(admission.wait(0)).toBeNull();
    expect(admission.waiting).toBe(0);
  });

  it('refuses bounds that are not whole numbers', () => {
    for (const bounds of [
      { maxWaiting: -1, maxWaitingBytes: 10 },
      { maxWaiting: 1, maxWaitingBytes: 1.5 },
      { maxWaiting: Number.NaN, maxWaitingBytes: 10 },
    ]) {
      expect(() => new Admission(1, bounds)).toThrow(RangeError);
    }
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => new Admission(limit)).toThrow(RangeError);
  });
});
