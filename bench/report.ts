/**
 * Renders `bench/results.json` (a `BenchResults`) as a Markdown report (`bench/results.md`) and a
 * self-contained SVG bar chart of throughput (`bench/results.svg`). Both functions are pure: no I/O,
 * no clock, no environment.
 */
import { TARGETS, TARGET_DESCRIPTIONS, type TargetName } from './protocol.ts';
import type { BenchResults, Percentiles, ThroughputSummary } from './results.ts';

// ------------------------------------------------------------------ shared helpers

const DASH = '—';

/** Targets that appear anywhere in the results, in TARGETS order. */
function presentTargets(results: BenchResults): TargetName[] {
  const seen = new Set<string>([...results.targets.map((t) => t.name), ...results.throughput.map((s) => s.target)]);
  return TARGETS.filter((t) => seen.has(t));
}

/** Query names in `results.queries` order, then any that only the throughput rows mention. */
function queryNames(results: BenchResults): string[] {
  const names = results.queries.map((q) => q.name);
  for (const s of results.throughput) if (!names.includes(s.query)) names.push(s.query);
  return names;
}

type SummaryLookup = (query: string, target: TargetName) => ThroughputSummary | undefined;

function summaryLookup(results: BenchResults): SummaryLookup {
  const byKey = new Map<string, ThroughputSummary>();
  for (const s of results.throughput) byKey.set(`${s.target}\u0000${s.query}`, s);
  return (query, target) => byKey.get(`${target}\u0000${query}`);
}

function isNum(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** Plain integer (req/s, counts). */
function int(n: number | null | undefined): string {
  return isNum(n) ? String(Math.round(n)) : DASH;
}

/** Fixed decimals (ms: 1). */
function fixed(n: number | null | undefined, digits = 1): string {
  if (!isNum(n)) return DASH;
  const s = n.toFixed(digits);
  // Avoid "-0.0".
  return Number(s) === 0 ? (0).toFixed(digits) : s;
}

/** Milliseconds with a sign, for differences. */
function signedMs(n: number | null | undefined): string {
  if (!isNum(n)) return DASH;
  const s = fixed(n);
  return Number(s) > 0 ? `+${s}` : s;
}

function ratio(n: number | null | undefined): string {
  return isNum(n) ? `${n.toFixed(2)}×` : DASH;
}

/** The median ratio, then the lowest and highest round's (when there were two rounds or more). */
function ratioWithRounds(summary: ThroughputSummary | undefined): string {
  const median = ratio(summary?.ratioToMercurius);
  const rounds = (summary?.ratioToMercuriusByRound ?? []).filter(isNum);
  if (median === DASH || rounds.length < 2) return median;
  return `${median} (${Math.min(...rounds).toFixed(2)}–${Math.max(...rounds).toFixed(2)})`;
}

/** `12`, `15.6`: no trailing `.0`. */
function compact(n: number, digits = 1): string {
  return isNum(n) ? String(Number(n.toFixed(digits))) : DASH;
}

// ------------------------------------------------------------------ Markdown

/** Free text (itself Markdown) inside a table cell: only pipes and line breaks need care. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** An identifier as a code span, safe inside a table cell (`<`, `&` are literal in code spans). */
function code(text: string): string {
  const t = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const runs = t.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = runs.length > 0 || t.startsWith(' ') || t.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

function table(header: string[], rows: string[][], align?: Array<'l' | 'r' | 'c'>): string {
  const sep = header.map((_, i) => {
    const a = align?.[i] ?? 'l';
    return a === 'r' ? '---:' : a === 'c' ? ':---:' : '---';
  });
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function runMinutes(startedAt: string, finishedAt: string): string | null {
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return null;
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${compact(ms / 60_000)} min`;
}

function percentiles(p: Percentiles | undefined, keys: Array<keyof Percentiles>, format = fixed): string {
  return p ? keys.map((k) => format(p[k])).join(' / ') : DASH;
}

export function renderMarkdown(results: BenchResults): string {
  const targets = presentTargets(results);
  const queries = queryNames(results);
  const get = summaryLookup(results);
  const { machine, settings } = results;
  const out: string[] = [];

  // ---- header
  out.push('# GraphQL subgraph benchmark', '');
  const took = runMinutes(results.startedAt, results.finishedAt);
  const header = [
    `**${formatDate(results.startedAt)}**${took ? ` (${took})` : ''}`,
    `Node ${machine.node} on ${machine.platform}, ${machine.cpus} × ${machine.cpuModel}, ${compact(machine.memoryGB)} GB`,
    `${compact(settings.durationS)} s per cell after ${compact(settings.warmupS)} s warm-up` +
      (settings.settleS ? ` (and ${compact(settings.settleS)} s unmeasured before each cell), ` : ', ') +
      `${settings.rounds} rounds, ${settings.connections} connections, ${compact(settings.latencyMs)} ms upstream latency`,
  ];
  if (settings.image) {
    const env = Object.entries(settings.image.env).map(([name, value]) => `${name}=${value}`);
    const options = [...env, 'node', ...settings.image.nodeOptions].join(' ');
    header.push(
      settings.image.nodeOptions.length + env.length > 0
        ? `this subgraph as the image starts it (\`${options}\`), the peers with Node's defaults`
        : `every contender with Node's defaults`,
    );
    if (settings.image.notPreloaded) {
      header.push(
        `⚠️ without the image's \`LD_PRELOAD=${settings.image.notPreloaded}\` (not installed on this machine): memory figures are glibc malloc's`,
      );
    }
  }
  if (settings.nodeOptions && settings.nodeOptions.length > 0)
    header.push(`Node options \`${settings.nodeOptions.join(' ')}\``);
  if (settings.smoke) header.unshift('**Smoke run** (short, not representative)');
  out.push(header.join(' · '), '');
  out.push(
    settings.rounds === 1
      ? 'Throughput, latency and resource figures come from a single round (no medians).'
      : `Throughput, latency and resource figures are medians over ${settings.rounds} interleaved rounds ` +
          `(every target runs every query once per round, in rotating order).`,
    '',
  );
  out.push('![Throughput](results.svg)', '');

  // ---- goals
  out.push('## Goals', '');
  if (results.goals.length === 0) out.push('_No goals were evaluated._', '');
  else {
    out.push(
      table(
        ['Goal', 'Measured', 'Met'],
        results.goals.map((g) => [cell(g.goal), cell(g.measured), g.met ? '✅' : '❌']),
        ['l', 'l', 'c'],
      ),
      '',
    );
  }

  // ---- throughput
  const hasSubgraph = targets.includes('subgraph');
  const hasMercurius = targets.includes('mercurius-jit');
  out.push(
    `## Throughput (req/s, ${settings.connections} connections, ${compact(settings.latencyMs)} ms upstream)`,
    '',
  );
  {
    const headerRow = ['Query', ...targets.map((t) => code(t))];
    const align: Array<'l' | 'r'> = ['l', ...targets.map(() => 'r' as const)];
    if (hasSubgraph && hasMercurius) {
      headerRow.push('subgraph ÷ mercurius-jit');
      align.push('r');
    }
    if (hasSubgraph) {
      headerRow.push('subgraph p99 (ms)');
      align.push('r');
    }
    const rows = queries.map((q) => {
      const row = [code(q), ...targets.map((t) => int(get(q, t)?.rps))];
      if (hasSubgraph && hasMercurius) row.push(ratioWithRounds(get(q, 'subgraph')));
      if (hasSubgraph) row.push(fixed(get(q, 'subgraph')?.latency.p99));
      return row;
    });
    out.push(table(headerRow, rows, align), '');
    const byRound =
      hasSubgraph &&
      hasMercurius &&
      queries.some((q) => (get(q, 'subgraph')?.ratioToMercuriusByRound?.length ?? 0) > 1);
    if (byRound) {
      out.push(
        "The ratio is the median of the rounds' ratios (each round runs both contenders under the same conditions as nearly as this machine allows); in parentheses, the lowest and the highest round.",
        '',
      );
    }
  }

  const failures = results.throughput.filter((s) => isNum(s.failures) && s.failures > 0);
  if (failures.length > 0) {
    out.push(
      '⚠️ Failed requests (not HTTP 200, GraphQL errors, or incomplete), in all rounds: ' +
        failures
          .map(
            (s) =>
              `${code(s.query)} on ${code(s.target)}: ${int(s.failures)}${isNum(s.requests) ? ` of ${int(s.requests)}` : ''}`,
          )
          .join('; ') +
        '.',
      '',
    );
  } else if (results.throughput.length > 0) {
    out.push('No failed requests.', '');
  }

  // ---- latency
  out.push('### Latency (ms, p50 / p95 / p99)', '');
  out.push(
    table(
      ['Query', ...targets.map((t) => code(t))],
      queries.map((q) => [code(q), ...targets.map((t) => percentiles(get(q, t)?.latency, ['p50', 'p95', 'p99']))]),
      ['l', ...targets.map(() => 'r' as const)],
    ),
    '',
  );

  // ---- resources
  out.push(
    "### Resources: CPU per request (ms, user + system; in parentheses, the part on V8's worker threads) / GC pauses per request (ms) / allocated per request (KiB) / steady RSS (MB, median sample; in parentheses, the part mapped from files) / peak RSS (MB)",
    '',
    "V8's worker threads run garbage collection off the main thread (marking the old generation, helping scavenges, sweeping) and background compilation. GC pauses are the main thread's stops for collection. Allocation is measured in a pass of its own after the other phases, because V8's GC profiler that measures it costs CPU and memory of its own. The part of RSS mapped from files is the Node executable's and the shared libraries' pages that the process has touched, most of them at start-up; it is about the same for every contender, and the rest (V8's heap, malloc, stacks) is anonymous memory.",
    '',
  );
  out.push(
    table(
      ['Query', ...targets.map((t) => code(t))],
      queries.map((q) => [
        code(q),
        ...targets.map((t) => {
          const s = get(q, t);
          // CPU per request is usually well under a millisecond: two decimals.
          return s
            ? `${fixed(s.cpuMsPerRequest, 2)}${s.v8WorkerMsPerRequest == null ? '' : ` (${fixed(s.v8WorkerMsPerRequest, 2)})`} / ${fixed(s.gcMsPerRequest, 3)} / ${int(s.allocatedKBPerRequest)} / ${int(s.rssSteadyMB)}${s.rssFileSteadyMB == null ? '' : ` (${int(s.rssFileSteadyMB)})`} / ${int(s.rssPeakMB)}`
            : DASH;
        }),
      ]),
      ['l', ...targets.map(() => 'r' as const)],
    ),
    '',
  );

  // ---- upstream calls
  out.push('## Upstream calls per request', '');
  out.push(
    'Total calls to the upstream APIs one request made (token endpoint excluded); ✅ = the computed minimum.',
    '',
  );
  {
    const minimumByQuery = new Map(results.queries.map((q) => [q.name, q.minimumTotal]));
    out.push(
      table(
        ['Query', 'minimum', ...targets.map((t) => code(t))],
        queries.map((q) => {
          const min = minimumByQuery.get(q);
          return [
            code(q),
            int(min),
            ...targets.map((t) => {
              const total = get(q, t)?.upstreamCallsTotal;
              if (!isNum(total)) return DASH;
              return isNum(min) && total === min ? `${int(total)} ✅` : int(total);
            }),
          ];
        }),
        ['l', 'r', ...targets.map(() => 'r' as const)],
      ),
      '',
    );
  }

  // ---- added latency
  out.push('## Added latency (open model)', '');
  if (results.overhead.length === 0) out.push('_Not measured._', '');
  else {
    out.push(
      'Fixed arrival rate; the subgraph against a replay of its own upstream critical path (the same ' +
        'requests, stage by stage, parallel within a stage). Added = target − replay, ms. ' +
        'Mercurius, where measured, serves the same queries at the same rate, interleaved with the subgraph: ' +
        'a reference for what the fastest Node stack adds on this machine under the same load generator. ' +
        overheadRounds(results.settings.overhead),
      '',
    );
    out.push(
      table(
        [
          'Query',
          'Target',
          'Rate (req/s)',
          'Upstream latency (ms)',
          'Critical path',
          'Target p50 / p99',
          'Replay p50 / p99',
          'Added p50 / p99',
        ],
        results.overhead.map((o) => [
          code(o.query),
          code(o.target),
          int(o.rate),
          fixed(o.upstreamLatencyMs),
          o.criticalPath.length > 0 ? cell(o.criticalPath.map((stage) => stage.join(' ∥ ')).join(' → ')) : DASH,
          percentiles(o.subgraph, ['p50', 'p99']),
          percentiles(o.replay, ['p50', 'p99']),
          percentiles(o.added, ['p50', 'p99'], signedMs),
        ]),
        ['l', 'l', 'r', 'r', 'l', 'r', 'r', 'r'],
      ),
      '',
    );
    const failed = results.overhead.filter((o) => isNum(o.failures) && o.failures > 0);
    if (failed.length > 0) {
      out.push(
        '⚠️ Failed requests: ' +
          failed
            .map((o) => `${code(o.query)} on ${code(o.target)}: ${int(o.failures)} of ${int(o.requests)}`)
            .join('; ') +
          '.',
        '',
      );
    }
  }

  // ---- start-up
  out.push('## Start-up', '');
  out.push(
    `The compiled entry (as the image runs \`dist/index.js\`, with its Node options, in production mode), spawn to a 200 from \`/readyz\`: **${fixed(results.startupToReadyMs)} ms**.`,
    '',
  );
  if (results.targets.length > 0) {
    const byName = new Map(results.targets.map((t) => [t.name, t]));
    out.push(
      table(
        ['Target', 'Description', 'Start-up to listening (ms)'],
        targets.flatMap((name) => {
          const t = byName.get(name);
          return t ? [[code(name), cell(t.description || TARGET_DESCRIPTIONS[name]), fixed(t.startupMs)]] : [];
        }),
        ['l', 'l', 'r'],
      ),
      '',
    );
  }

  // ---- queries
  if (results.queries.length > 0) {
    out.push('## Queries', '');
    out.push(
      table(
        ['Query', 'Description', 'Minimum upstream calls'],
        results.queries.map((q) => {
          const parts = Object.entries(q.minimumCalls)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([op, n]) => `${code(op)} × ${int(n)}`);
          return [code(q.name), cell(q.description), parts.length > 0 ? parts.join(', ') : int(q.minimumTotal)];
        }),
      ),
      '',
    );
  }

  return out.join('\n');
}

// ------------------------------------------------------------------ SVG

/** Fixed colour per target. */
export const TARGET_COLOURS: Record<TargetName, string> = {
  subgraph: '#1f77b4',
  'subgraph-n1': '#9ecae1',
  'apollo-stock': '#ff7f0e',
  'mercurius-jit': '#2ca02c',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** A coordinate: finite, at most one decimal. */
function px(n: number): string {
  return isNum(n) ? String(Math.round(n * 10) / 10) : '0';
}

/** Rough text width for a sans-serif face (no font metrics in a pure function). */
function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.58;
}

/** A "nice" axis: 0 … max in steps of 1, 2 or 5 × 10^k, about five of them. */
function niceAxis(max: number): { max: number; step: number } {
  const top = isNum(max) && max > 0 ? max : 10;
  const raw = top / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  return { max: Math.ceil(top / step - 1e-9) * step, step };
}

function tickLabel(n: number): string {
  const v = Number(n.toPrecision(6));
  return v >= 1000 && v % 1000 === 0 ? `${v / 1000}k` : String(v);
}

export function renderSvg(results: BenchResults): string {
  const targets = presentTargets(results);
  const queries = queryNames(results);
  const get = summaryLookup(results);
  const { settings } = results;

  const width = 900;
  const font = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
  const barH = 14;
  const barGap = 3;
  const groupGap = 16;
  const right = 70; // room for the value label after the longest bar
  const left = Math.min(300, Math.max(120, Math.max(0, ...queries.map((q) => textWidth(q, 12))) + 24));
  const plotW = width - left - right;

  const title =
    `Throughput at ${compact(settings.latencyMs)} ms upstream latency ` +
    `(req/s, median of ${settings.rounds} round${settings.rounds === 1 ? '' : 's'}, higher is better)`;
  const subtitle = settings.smoke ? 'Smoke run: short, not representative' : null;

  const titleY = 24;
  const subtitleY = subtitle ? titleY + 18 : titleY;
  const legendY = subtitleY + 24;
  const plotTop = legendY + 22;

  const perGroup = Math.max(1, targets.length) * (barH + barGap) - barGap;
  const plotH = queries.length > 0 ? queries.length * perGroup + (queries.length - 1) * groupGap : 40;
  const axisY = plotTop + plotH + 6;
  const height = axisY + 36;

  const maxRps = Math.max(0, ...results.throughput.map((s) => (isNum(s.rps) ? s.rps : 0)));
  const axis = niceAxis(maxRps);
  const x = (v: number) => left + (Math.max(0, v) / axis.max) * plotW;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${px(height)}" ` +
      `viewBox="0 0 ${width} ${px(height)}" font-family="${escapeXml(font)}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${px(height)}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="${titleY}" text-anchor="middle" font-size="15" font-weight="600" fill="#111111">${escapeXml(title)}</text>`,
  );
  if (subtitle) {
    parts.push(
      `<text x="${width / 2}" y="${subtitleY}" text-anchor="middle" font-size="12" fill="#b45309">${escapeXml(subtitle)}</text>`,
    );
  }

  // Legend, centred.
  const items = targets.map((t) => ({ t, w: 12 + 6 + textWidth(t, 12) + 18 }));
  const legendW = items.reduce((sum, i) => sum + i.w, 0) - (items.length > 0 ? 18 : 0);
  let lx = Math.max(8, (width - legendW) / 2);
  for (const { t, w } of items) {
    parts.push(
      `<rect x="${px(lx)}" y="${legendY - 10}" width="12" height="12" fill="${TARGET_COLOURS[t]}"/>`,
      `<text x="${px(lx + 18)}" y="${legendY}" font-size="12" fill="#333333">${escapeXml(t)}</text>`,
    );
    lx += w;
  }

  // Gridlines and tick labels.
  for (let i = 0; i * axis.step <= axis.max + axis.step * 1e-9; i++) {
    const v = i * axis.step;
    const gx = px(x(v));
    parts.push(
      `<line x1="${gx}" y1="${plotTop - 4}" x2="${gx}" y2="${px(axisY)}" stroke="${i === 0 ? '#666666' : '#dddddd'}" stroke-width="1"/>`,
      `<text x="${gx}" y="${px(axisY + 16)}" text-anchor="middle" font-size="11" fill="#555555">${escapeXml(tickLabel(v))}</text>`,
    );
  }
  parts.push(
    `<text x="${px(left + plotW / 2)}" y="${px(axisY + 31)}" text-anchor="middle" font-size="11" fill="#555555">requests per second</text>`,
  );

  if (queries.length === 0 || targets.length === 0) {
    parts.push(
      `<text x="${px(left + plotW / 2)}" y="${px(plotTop + 24)}" text-anchor="middle" font-size="12" fill="#888888">no throughput results</text>`,
    );
  }

  // Bars.
  queries.forEach((q, qi) => {
    const groupTop = plotTop + qi * (perGroup + groupGap);
    parts.push(
      `<text x="${px(left - 10)}" y="${px(groupTop + perGroup / 2 + 4)}" text-anchor="end" font-size="12" fill="#111111">${escapeXml(q)}</text>`,
    );
    targets.forEach((t, ti) => {
      const y = groupTop + ti * (barH + barGap);
      const rps = get(q, t)?.rps;
      if (!isNum(rps)) {
        parts.push(
          `<text x="${px(left + 4)}" y="${px(y + barH - 3)}" font-size="10" fill="#999999">${escapeXml(t)}: not measured</text>`,
        );
        return;
      }
      const end = x(rps);
      parts.push(
        `<rect x="${px(left)}" y="${px(y)}" width="${px(end - left)}" height="${barH}" fill="${TARGET_COLOURS[t]}">` +
          `<title>${escapeXml(`${q} · ${t}: ${int(rps)} req/s`)}</title></rect>`,
        `<text x="${px(end + 4)}" y="${px(y + barH - 3)}" font-size="10" fill="#333333">${int(rps)}</text>`,
      );
    });
  });

  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function overheadRounds({ durationS, rounds = 2 }: BenchResults['settings']['overhead']): string {
  return (
    `${compact(durationS)} s of load per query on each side, in ${int(rounds)} interleaved round${rounds === 1 ? '' : 's'} ` +
    '(the replay, then each target); each percentile is the median of the rounds’ percentiles.'
  );
}
