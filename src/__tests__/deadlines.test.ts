import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cancelledByCaller, deadlineExceeded, DeadlineQueue, isDeadlineExceeded, whenAborted } from '../deadlines.ts';

/** A manual monotonic clock with fake timers behind it. */
function fakeClock() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  let now = 0;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
      vi.advanceTimersByTime(ms);
    },
  };
}

/** A queue with the given timeout on a fake clock. */
function queueOnFakeClock(timeoutMs: number) {
  const clock = fakeClock();
  return { clock, queue: new DeadlineQueue(timeoutMs, { now: clock.now }) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DeadlineQueue', () => {
  it('aborts a running request with a TimeoutError when its deadline passes, not before', () => {
    const { clock, queue } = queueOnFakeClock(1_000);
    const request = queue.start();
    clock.advance(999);
    expect(request.signal.aborted).toBe(false);
    clock.advance(1);
    expect(request.signal.aborted).toBe(true);
    expect((request.signal.reason as Error).name).toBe('TimeoutError');
    expect((request.signal.reason as Error).message).toBe('The request deadline passed.');
    expect(queue.size).toBe(0);
  });

  it('gives the deadline on the epoch clock', () => {
    const { queue } = queueOnFakeClock(2_500);
    expect(queue.start().deadline).toBe(Date.now() + 2_500);
  });

  it('aborts a request that ended as answered, not as timed out, and forgets it', () => {
    const { clock, queue } = queueOnFakeClock(1_000);
    const request = queue.start();
    request.end();
    expect(queue.size).toBe(0);
    expect(request.signal.aborted).toBe(true);
    expect(request.signal.reason).toMatchObject({ name: 'AbortError', message: 'The request was answered.' });
    expect(isDeadlineExceeded(request.signal.reason)).toBe(false);
    clock.advance(5_000);
    expect(isDeadlineExceeded(request.signal.reason)).toBe(false);
    // Ending again, or aborting after, changes nothing.
    request.end();
    request.abort(new Error('client closed the connection'));
    expect(request.signal.reason).toMatchObject({ message: 'The request was answered.' });
  });

  it('aborts each request at its own deadline, whatever ended around it', () => {
    const { clock, queue } = queueOnFakeClock(1_000);
    const first = queue.start();
    clock.advance(300);
    const second = queue.start();
    clock.advance(300);
    const third = queue.start();
    first.end(); // the timer was armed for the first one's deadline
    clock.advance(400); // t = 1000: the first one's deadline, which no longer applies
    expect([second.signal.aborted, third.signal.aborted]).toEqual([false, false]);
    clock.advance(299); // t = 1299
    expect(second.signal.aborted).toBe(false);
    clock.advance(1); // t = 1300: the second one's
    expect([second.signal.aborted, third.signal.aborted]).toEqual([true, false]);
    clock.advance(300); // t = 1600: the third one's
    expect(third.signal.aborted).toBe(true);
    expect(queue.size).toBe(0);
  });

  it('aborts with the given reason when the client goes away, and not again at the deadline', () => {
    const { clock, queue } = queueOnFakeClock(1_000);
    const request = queue.start();
    const reasons: unknown[] = [];
    request.signal.addEventListener('abort', () => reasons.push(request.signal.reason));
    const gone = new Error('client closed the connection');
    request.abort(gone);
    request.abort(new Error('twice'));
    clock.advance(2_000);
    expect(reasons).toEqual([gone]);
  });

  it('starts the timer again after the queue ran empty', () => {
    const { clock, queue } = queueOnFakeClock(100);
    const early = queue.start();
    clock.advance(100);
    expect(early.signal.aborted).toBe(true);
    const later = queue.start();
    clock.advance(99);
    expect(later.signal.aborted).toBe(false);
    clock.advance(1);
    expect(later.signal.aborted).toBe(true);
  });

  it('keeps about as many entries as requests run, across many short requests', () => {
    const { clock, queue } = queueOnFakeClock(10_000);
    const slow = queue.start(); // stays at the head for a while
    for (let i = 0; i < 5_000; i += 1) {
      queue.start().end();
      clock.advance(1);
    }
    // Ended requests behind a running one wait for it to leave the head.
    expect(queue.size).toBe(5_001);
    slow.end();
    queue.start().end();
    expect(queue.size).toBe(0);
  });

  it('stops its timer on close', () => {
    const { clock, queue } = queueOnFakeClock(1_000);
    const request = queue.start();
    queue.close();
    clock.advance(2_000);
    expect(request.signal.aborted).toBe(false);
  });

  it('refuses a timeout that is not positive', () => {
    expect(() => new DeadlineQueue(0)).toThrow(RangeError);
  });
});

describe('whenAborted', () => {
  it('adds one abort listener per signal however many callbacks, and runs those still subscribed', () => {
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const seen: unknown[] = [];
    const stops = Array.from({ length: 50 }, (_, i) =>
      whenAborted(controller.signal, (reason) => seen.push([i, reason])),
    );
    for (const stop of stops.slice(0, 48)) stop();
    expect(added).toHaveBeenCalledTimes(1);
    const reason = new Error('client closed the connection');
    controller.abort(reason);
    expect(seen).toEqual([
      [48, reason],
      [49, reason],
    ]);
  });

  it('keeps the order of subscription, whichever are removed, and removes each once', () => {
    const controller = new AbortController();
    const ran: number[] = [];
    const stops = [0, 1, 2, 3, 4].map((i) => whenAborted(controller.signal, () => ran.push(i)));
    stops[0]!();
    stops[2]!();
    stops[4]!();
    stops[2]!(); // a second call changes nothing
    const late = whenAborted(controller.signal, () => ran.push(5));
    controller.abort(new Error('client closed the connection'));
    expect(ran).toEqual([1, 3, 5]);
    // After the abort every subscription is gone: removing one is harmless, and nothing runs twice.
    late();
    stops[1]!();
    expect(ran).toEqual([1, 3, 5]);
  });

  it('runs the callbacks subscribed when the signal aborted, even if one removes another', () => {
    const controller = new AbortController();
    const ran: string[] = [];
    let stopSecond: () => void = () => {};
    whenAborted(controller.signal, () => {
      ran.push('first');
      stopSecond();
    });
    stopSecond = whenAborted(controller.signal, () => ran.push('second'));
    controller.abort(new Error('client closed the connection'));
    expect(ran).toEqual(['first', 'second']);
  });

  it('runs every callback even if one throws, and reports the failure as an unhandled rejection, not a crash', () => {
    // In a process of its own: an uncaught exception or an unhandled rejection is what is tested,
    // and the test runner would take either for a failure of its own.
    const script = `
      import { whenAborted } from ${JSON.stringify(new URL('../deadlines.ts', import.meta.url).href)};
      process.on('unhandledRejection', (error) => console.log('reported', error.message));
      const controller = new AbortController();
      const ran = [];
      whenAborted(controller.signal, () => ran.push(1));
      whenAborted(controller.signal, () => { throw new Error('first'); });
      whenAborted(controller.signal, () => { throw new Error('second'); });
      whenAborted(controller.signal, () => ran.push(4));
      controller.abort(new Error('client closed the connection'));
      setTimeout(() => console.log('alive', ran.join()), 20);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.status).toBe(0);
    expect(child.stdout.trim().split('\n')).toEqual(['reported first', 'reported second', 'alive 1,4']);
  });

  it('tells a deadline from a cancellation', () => {
    const late = new AbortController();
    late.abort(deadlineExceeded());
    const gone = new AbortController();
    gone.abort(new Error('client closed the connection'));
    expect([cancelledByCaller(late.signal), cancelledByCaller(gone.signal), cancelledByCaller(undefined)]).toEqual([
      false,
      true,
      false,
    ]);
  });
});
