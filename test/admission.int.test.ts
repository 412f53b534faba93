/**
 * OPERATION_CONCURRENCY over the real HTTP server: operations beyond the cap wait their turn, first
 * in, first out; one whose deadline passes while it waits is answered 503 without executing; one
 * whose client goes away never executes. Unset, there is no cap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Adapters } from '../src/adapters/index.ts';
import { startTestServer, type TestServer } from './helpers/startTestServer.ts';

const LOOKUP = (id: string) => `{ connectorDestination(id: "${id}") { id } }`;

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * Destination lookups that the AWS simulator answers after `delayMs`: which destinations were
 * asked for, in order, and when each request arrived there.
 */
function slowDestinations(server: TestServer, delayMs: number) {
  const sim = server.sandbox.aws!;
  sim.setLatency(delayMs, 'GetConnectorDestination');
  const asked = () => sim.requests.filter((r) => r.operation === 'GetConnectorDestination');
  return {
    started: () => asked().map((r) => decodeURIComponent(r.path.split('/').at(-1)!)),
    arrivals: () => asked().map((r) => r.receivedAt),
  };
}

/** Waits until /metrics shows `line` (polled; the test's own timeout bounds it). */
async function untilMetric(server: TestServer, line: string): Promise<void> {
  while (!(await metrics(server)).includes(line)) await sleep(5);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The HTTP status a test server's query was answered with. */
const statusOf = async (answer: Promise<unknown>) => ((await answer) as { status: number }).status;

async function metrics(server: TestServer): Promise<string> {
  return (await fetch(`${server.origin}/metrics`)).text();
}

describe('OPERATION_CONCURRENCY', () => {
  it('runs operations beyond the cap in turn, first in, first out, and logs how long each waited', async () => {
    t = await startTestServer({ config: { operationConcurrency: 1 } });
    const seen = slowDestinations(t, 150);
    const ids = ['dest-lumen-eu', 'dest-lumen-us', 'dest-lumen-eu'];
    const responses: Promise<unknown>[] = [];
    for (const [index, id] of ids.entries()) {
      responses.push(t.query(LOOKUP(id), undefined, { 'x-request-id': `turn-${index}` }));
      // Each arrives once the one before is executing or waiting: the order is the sending order.
      await untilMetric(
        t,
        index === 0 ? 'graphql_operations{state="executing"} 1' : `graphql_operations{state="waiting"} ${index}`,
      );
    }
    const during = await metrics(t);
    expect(during).toContain('graphql_operations{state="executing"} 1');
    expect(during).toContain('graphql_operations{state="waiting"} 2');
    expect(during).toContain('graphql_operation_concurrency_limit 1');

    const answered = (await Promise.all(responses)) as Array<{ status: number; body: { data: unknown } }>;
    expect(answered.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(answered.map((r) => r.body.data)).toEqual(ids.map((id) => ({ connectorDestination: { id } })));
    // One at a time: each was asked for only after the one before was answered (150 ms later).
    expect(seen.started()).toEqual(ids);
    const arrivals = seen.arrivals();
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(148);

    const lines = t.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'graphql request');
    const waited = (id: string) => lines.find((line) => line.requestId === id)?.waitedMs;
    expect(waited('turn-0')).toBeUndefined();
    expect(waited('turn-1')).toBeGreaterThan(80);
    expect(waited('turn-2')).toBeGreaterThan(waited('turn-1'));
    expect(await metrics(t)).toContain('graphql_operations{state="executing"} 0');
  });

  it('answers 503 OVERLOADED with Retry-After, without executing, when the deadline passes while waiting', async () => {
    // The executing operation must outlast the waiting one's deadline. Every upstream call stops at
    // its request's deadline, and a later arrival's deadline is later, so with the simulator alone
    // the turn always comes in time; work that overruns its deadline (CPU, say) is what sheds. Here
    // the lookup's adapter call stands for it: it takes 600 ms whatever the deadline says.
    const started: string[] = [];
    t = await startTestServer({
      config: { operationConcurrency: 1, requestTimeoutMs: 300 },
      wrapAdapters: (adapters): Adapters => ({
        ...adapters,
        iotManagedIntegrations: {
          ...adapters.iotManagedIntegrations,
          getConnectorDestination: async (id, options) => {
            started.push(id);
            await sleep(600);
            return adapters.iotManagedIntegrations.getConnectorDestination(id, options);
          },
        },
      }),
    });
    const seen = { started: () => started };
    const first = t.query(LOOKUP('dest-lumen-eu'));
    await untilMetric(t, 'graphql_operations{state="executing"} 1');
    const shed = await t.query(LOOKUP('dest-lumen-us'), undefined, { 'x-request-id': 'shed-me' });

    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(shed.body).toEqual({
      errors: [{ message: 'The subgraph is overloaded; retry later.', extensions: { code: 'OVERLOADED' } }],
    });
    await first;
    expect(seen.started()).toEqual(['dest-lumen-eu']);
    expect(await metrics(t)).toContain('graphql_operations_shed_total{reason="deadline"} 1');
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === 'shed-me');
    expect(line).toMatchObject({ level: 40, msg: expect.stringContaining('request shed') });
    expect(line.waitedMs).toBeGreaterThan(250);

    // The turn was given back: the next request executes at once.
    await t.query(LOOKUP('dest-lumen-us'), undefined, { 'x-request-id': 'after-shed' });
    expect(seen.started()).toEqual(['dest-lumen-eu', 'dest-lumen-us']);
    const after = t.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.requestId === 'after-shed' && l.msg === 'graphql request');
    expect(after).toBeDefined();
    expect(after.waitedMs).toBeUndefined();
  });

  it('never executes an operation whose client went away while it waited', async () => {
    t = await startTestServer({ config: { operationConcurrency: 1 } });
    const seen = slowDestinations(t, 300);
    const first = t.query(LOOKUP('dest-lumen-eu'));
    await untilMetric(t, 'graphql_operations{state="executing"} 1');
    const gone = new AbortController();
    const abandoned = fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'gone-while-waiting' },
      body: JSON.stringify({ query: LOOKUP('dest-lumen-us') }),
      signal: gone.signal,
    }).catch((error: unknown) => error);
    await untilMetric(t, 'graphql_operations{state="waiting"} 1');
    gone.abort();
    expect(await abandoned).toMatchObject({ name: 'AbortError' });
    await first;
    // The turn it would have had: nothing of it runs.
    await untilMetric(t, 'graphql_operations{state="executing"} 0');
    await sleep(50);
    expect(seen.started()).toEqual(['dest-lumen-eu']);
    const after = await metrics(t);
    expect(after).toContain('graphql_operations{state="executing"} 0');
    expect(after).toContain('graphql_operations_shed_total{reason="deadline"} 0');
    // Not answered, but logged and counted as a cancelled request.
    expect(after).toContain('graphql_requests_total{operation_type="unknown",outcome="cancelled"} 1');
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === 'gone-while-waiting');
    expect(line).toMatchObject({ level: 30, code: 'REQUEST_CANCELLED', msg: expect.stringContaining('cancelled') });
    expect(line.waitedMs).toBeGreaterThan(0);
  });

  it('answers 503 OVERLOADED at once, without executing, when the waiting list is full', async () => {
    t = await startTestServer({
      config: { operationConcurrency: 1, operationQueue: { maxWaiting: 1, maxWaitingBytes: 1e6 } },
    });
    const seen = slowDestinations(t, 600);
    let firstAnswered = false;
    const first = t.query(LOOKUP('dest-lumen-eu')).finally(() => (firstAnswered = true));
    await untilMetric(t, 'graphql_operations{state="executing"} 1');
    const waiting = t.query(LOOKUP('dest-lumen-us'));
    await untilMetric(t, 'graphql_operations{state="waiting"} 1');

    const refused = await t.query(LOOKUP('dest-lumen-eu'), undefined, { 'x-request-id': 'queue-full' });
    // Answered while the executing one still waits for its upstream: it did not wait for a turn.
    expect(firstAnswered).toBe(false);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toEqual({
      errors: [{ message: 'The subgraph is overloaded; retry later.', extensions: { code: 'OVERLOADED' } }],
    });
    expect(await statusOf(first)).toBe(200);
    expect(await statusOf(waiting)).toBe(200);
    expect(seen.started()).toEqual(['dest-lumen-eu', 'dest-lumen-us']);
    const text = await metrics(t);
    expect(text).toContain('graphql_operations_shed_total{reason="queue_full"} 1');
    expect(text).toContain('graphql_operations_shed_total{reason="deadline"} 0');
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === 'queue-full');
    expect(line).toMatchObject({ level: 40, waiting: 1, msg: expect.stringContaining('waiting list was full') });
  });

  it('bounds the waiting bodies by their size, and parses a body only when its turn comes', async () => {
    t = await startTestServer({
      config: { operationConcurrency: 1, operationQueue: { maxWaiting: 100, maxWaitingBytes: 4096 } },
    });
    const seen = slowDestinations(t, 300);
    const first = t.query(LOOKUP('dest-lumen-eu'));
    await untilMetric(t, 'graphql_operations{state="executing"} 1');
    // Not JSON: it waits as text, and is refused when its turn comes, giving the turn back.
    const malformed = '{"query": "{ __typename }"'.padEnd(3000, ' ');
    const broken = fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'waits-as-text' },
      body: malformed,
    });
    await untilMetric(t, `graphql_operations_waiting_bytes ${malformed.length}`);
    // 3000 wait; 3000 + this one's would pass 4096.
    const large = await t.query(`{ connectorDestination(id: "dest-lumen-us") { id ${' '.repeat(1200)} } }`);
    expect(large.status).toBe(503);
    expect(large.body).toMatchObject({ errors: [{ extensions: { code: 'OVERLOADED' } }] });
    // A small one fits beside it.
    const small = t.query(LOOKUP('dest-lumen-us'));
    await untilMetric(t, 'graphql_operations{state="waiting"} 2');

    const answer = await broken;
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(await statusOf(first)).toBe(200);
    expect(await statusOf(small)).toBe(200);
    expect(seen.started()).toEqual(['dest-lumen-eu', 'dest-lumen-us']);
    const text = await metrics(t);
    expect(text).toContain('graphql_operations{state="executing"} 0');
    expect(text).toContain('graphql_operations_waiting_bytes 0');
    expect(text).toContain('graphql_operations_shed_total{reason="queue_full"} 1');
  });

  it('caps nothing when unset', async () => {
    t = await startTestServer();
    const seen = slowDestinations(t, 500);
    const answered = await Promise.all(
      ['dest-lumen-eu', 'dest-lumen-us', 'dest-lumen-eu'].map((id) => t!.query(LOOKUP(id))),
    );
    expect(answered.map((r) => r.status)).toEqual([200, 200, 200]);
    // All three asked for before the first was answered (500 ms after it was asked).
    const arrivals = seen.arrivals();
    expect(arrivals).toHaveLength(3);
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeLessThan(500);
    const text = await metrics(t);
    expect(text).not.toContain('graphql_operation_concurrency_limit');
    expect(text).not.toMatch(/graphql_operations\{/);
  });
});
