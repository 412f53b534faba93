import { describe, expect, it } from 'vitest';
import { TARGETS } from '../protocol.ts';
import { renderMarkdown, renderSvg } from '../report.ts';
import { fixture, WEIRD } from './fixture.ts';

/** Well-formedness, roughly: balanced tags, quoted attributes, no raw `<` or stray `&` in text. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+);)/g;
  let roots = 0;
  for (const m of xml.matchAll(token)) {
    if (m[2] === undefined) throw new Error(`stray ${JSON.stringify(m[0])} at ${m.index}`);
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}> at ${m.index}`);
    } else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('renderMarkdown', () => {
  const md = renderMarkdown(fixture());

  it('has the header, settings and chart', () => {
    expect(md).toContain('2025-06-01 10:02 UTC');
    expect(md).toContain('Node v24.1.0 on linux, 8 × Test CPU @ 3.0GHz, 15.6 GB');
    expect(md).toContain('10 s per cell after 3 s warm-up, 5 rounds, 50 connections, 5 ms upstream latency');
    expect(md).toContain('medians over 5 interleaved rounds');
    expect(md).not.toContain('Smoke run');
    expect(md).toContain('![Throughput](results.svg)');
  });

  it('says how this subgraph was started, and that the peers ran with Node’s defaults', () => {
    const image = { nodeOptions: ['--max-semi-space-size=16'], env: { MALLOC_ARENA_MAX: '2' } };
    const base = fixture();
    const md = renderMarkdown({ ...base, settings: { ...base.settings, image } });
    expect(md).toContain(
      "this subgraph as the image starts it (`MALLOC_ARENA_MAX=2 node --max-semi-space-size=16`), the peers with Node's defaults",
    );
    const defaults = renderMarkdown({ ...base, settings: { ...base.settings, image: { nodeOptions: [], env: {} } } });
    expect(defaults).toContain("every contender with Node's defaults");
    expect(renderMarkdown(base)).not.toContain('as the image starts it (');
  });

  it('warns when the library the image preloads was missing, and only then', () => {
    const env = { LD_PRELOAD: 'libjemalloc.so.2' };
    const base = fixture();
    const withIt = renderMarkdown({ ...base, settings: { ...base.settings, image: { nodeOptions: [], env } } });
    expect(withIt).toContain('`LD_PRELOAD=libjemalloc.so.2 node`');
    expect(withIt).not.toContain('not installed');
    const without = renderMarkdown({
      ...base,
      settings: { ...base.settings, image: { nodeOptions: [], env: {}, notPreloaded: 'libjemalloc.so.2' } },
    });
    expect(without).toContain(
      "⚠️ without the image's `LD_PRELOAD=libjemalloc.so.2` (not installed on this machine): memory figures are glibc malloc's",
    );
  });

  it('says when every cell was preceded by unmeasured load', () => {
    const results = fixture();
    results.settings.settleS = 0.5;
    expect(renderMarkdown(results)).toContain(
      '10 s per cell after 3 s warm-up (and 0.5 s unmeasured before each cell), 5 rounds',
    );
  });

  it('renders the goals table with ✅ and ❌', () => {
    expect(md).toContain('| Goal | Measured | Met |');
    expect(md).toContain('| subgraph ≥ 1.2× mercurius-jit | 1.23× (median over queries) | ✅ |');
    expect(md).toContain('| added p99 ≤ 2 ms | 3.6 ms | ❌ |');
  });

  it('renders throughput with the ratio and subgraph p99', () => {
    const header =
      '| Query | `subgraph` | `subgraph-n1` | `apollo-stock` | `mercurius-jit` | subgraph ÷ mercurius-jit |';
    expect(md).toContain(header);
    expect(md).toContain('| `connectorDestinations` | 4321 | 1500 | 2000 | 3500 | 1.23× (1.10–1.31) | 17.3 |');
    // Results written before the per-round ratios were recorded: the median alone.
    expect(md).toContain('| `a<b&c` | 9000 | 8000 | 5000 | 4500 | 2.00× | 36.0 |');
    expect(md).toContain("The ratio is the median of the rounds' ratios");
  });

  it('quotes no range of rounds for a single round, and no note when no query has one', () => {
    const results = fixture();
    results.throughput[0]!.ratioToMercuriusByRound = [1.234];
    const rendered = renderMarkdown(results);
    expect(rendered).toContain('| 3500 | 1.23× | 17.3 |');
    expect(rendered).not.toContain("The ratio is the median of the rounds' ratios");
  });

  it('renders latency and resources', () => {
    expect(md).toContain('| `connectorDestinations` | 4.3 / 8.6 / 17.3 |');
    // CPU ms per request (V8's worker threads) / GC ms per request / KiB allocated per request /
    // steady RSS / peak RSS
    expect(md).toContain('0.42 (0.12) / 0.050 / 96 / 101 / 123');
  });

  it('renders a dash for the allocation of results written before it was measured', () => {
    const results = fixture();
    for (const summary of results.throughput) delete summary.allocatedKBPerRequest;
    expect(renderMarkdown(results)).toContain('0.42 (0.12) / 0.050 / — / 101 / 123');
  });

  it("leaves out V8's worker threads where they were not measured", () => {
    const results = fixture();
    results.throughput[0]!.v8WorkerMsPerRequest = null;
    delete results.throughput[1]!.v8WorkerMsPerRequest;
    const rendered = renderMarkdown(results);
    const rows = rendered.split('\n').filter((line) => line.includes('/ 0.050 / 96 / 101 / 123'));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.join('\n')).toMatch(
      /\| 0\.42 \/ 0\.050 \/ 96 \/ 101 \/ 123 \| 0\.42 \/ 0\.050 \/ 96 \/ 101 \/ 123 \| 0\.42 \(0\.12\)/,
    );
  });

  it('marks upstream calls equal to the minimum, and only those', () => {
    expect(md).toContain('| `connectorDestinations` | 3 | 3 ✅ | 27 | 3 ✅ | 5 |');
    expect(md).toContain('| `a<b&c` | 1 | 1 ✅ | 1 ✅ | 2 | 1 ✅ |');
    expect(md).not.toContain('27 ✅');
    expect(md).not.toContain('5 ✅');
  });

  it('renders the added-latency table', () => {
    expect(md).toContain(
      '| `connectorDestinations` | `subgraph` | 200 | 5.0 | GetCredentials → SearchApps ∥ GetConnector | 12.3 / 18.8 | 11.1 / 15.2 | +1.2 / +3.6 |',
    );
  });

  it('renders a reference peer’s added latency as a row of its own', () => {
    const results = fixture();
    results.overhead.push({
      ...results.overhead[0]!,
      target: 'mercurius-jit',
      subgraph: { p50: 12.5, p95: 14, p99: 25.2 },
      added: { p50: 1.4, p95: 2, p99: 10 },
    });
    const rows = renderMarkdown(results)
      .split('\n')
      .filter((line) => line.startsWith('| `connectorDestinations` | `'));
    expect(rows.filter((line) => line.includes('| 12.5 / 25.2 | 11.1 / 15.2 | +1.4 / +10.0 |'))).toEqual([
      expect.stringContaining('| `mercurius-jit` |'),
    ]);
  });

  it('says how the added latency was sampled (results from before the rounds setting had two)', () => {
    expect(md).toContain('10 s of load per query on each side, in 4 interleaved rounds');
    const older = fixture();
    delete older.settings.overhead.rounds;
    expect(renderMarkdown(older)).toContain('in 2 interleaved rounds');
  });

  it('renders start-up', () => {
    expect(md).toContain('**812.3 ms**');
    expect(md).toContain('| `apollo-stock` | apollo-stock description | 120.5 |');
  });

  it('escapes pipes in free text', () => {
    expect(md).toContain('a query \\| with a pipe');
  });

  it('renders without NaN or undefined', () => {
    expect(md).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('flags smoke runs and failures', () => {
    const r = fixture();
    r.settings.smoke = true;
    r.throughput[1]!.failures = 7;
    r.throughput[1]!.requests = 90;
    r.throughput[2]!.failures = 3;
    delete r.throughput[2]!.requests; // results written before the total was kept
    const out = renderMarkdown(r);
    expect(out).toContain('**Smoke run**');
    expect(out).toContain(
      `in all rounds: \`connectorDestinations\` on \`subgraph-n1\`: 7 of 90; \`${r.throughput[2]!.query}\` on \`${r.throughput[2]!.target}\`: 3.`,
    );
  });
});

describe('renderSvg', () => {
  const svg = renderSvg(fixture());

  it('is well-formed, self-contained XML', () => {
    expect(svg.match(/<svg\b/g)).toHaveLength(1);
    expect(svg.match(/<\/svg>/g)).toHaveLength(1);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormedXml(svg);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    expect(svg).not.toMatch(/<script|<style|@import|href=/);
  });

  it('has the title, every target in the legend and every query', () => {
    expect(svg).toContain('Throughput at 5 ms upstream latency (req/s, median of 5 rounds, higher is better)');
    for (const t of TARGETS) expect(svg).toMatch(new RegExp(`>${t}</text>`));
    expect(svg).toContain('>connectorDestinations</text>');
    expect(svg).toContain('>a&lt;b&amp;c</text>');
    expect(svg).not.toContain(WEIRD);
    expect(svg).toContain('>4321</text>');
  });

  it('renders sensibly when all values are 0', () => {
    const r = fixture();
    for (const s of r.throughput) s.rps = 0;
    const out = renderSvg(r);
    assertWellFormedXml(out);
    expect(out).not.toMatch(/NaN|undefined|Infinity/);
    expect(out).toContain('>0</text>');
  });

  it('renders sensibly with missing targets and queries', () => {
    const r = fixture();
    r.targets = r.targets.filter((t) => t.name !== 'apollo-stock');
    r.throughput = r.throughput.filter(
      (s) => s.target !== 'apollo-stock' && !(s.target === 'subgraph-n1' && s.query === WEIRD),
    );
    const out = renderSvg(r);
    assertWellFormedXml(out);
    expect(out).not.toMatch(/NaN|undefined|Infinity/);
    expect(out).not.toContain('apollo-stock');
    expect(out).toContain('subgraph-n1: not measured');

    const md = renderMarkdown(r);
    expect(md).not.toMatch(/NaN|undefined|Infinity/);
    expect(md).not.toContain('apollo-stock');
  });

  it('renders sensibly with no results at all', () => {
    const r = fixture();
    r.targets = [];
    r.queries = [];
    r.throughput = [];
    r.overhead = [];
    r.goals = [];
    const out = renderSvg(r);
    assertWellFormedXml(out);
    expect(out).not.toMatch(/NaN|undefined|Infinity/);
    expect(renderMarkdown(r)).not.toMatch(/NaN|undefined|Infinity/);
  });
});
