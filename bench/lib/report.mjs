/** Turns results into the markdown tables, the target verdicts and the SVG chart. */

const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a')
const fmt1 = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const ratio = (a, b) => (b > 0 ? a / b : Number.NaN)
const x = (n) => `${fmt1(n, 2)}x`

const HTTP_SCENARIOS = ['warm', 'cold', 'invalid']
const FRAMEWORKS = ['express', 'fastify', 'koa']
const ALGS = ['RS256', 'ES256', 'EdDSA']

/** Every target of the issue, with what was measured and whether it holds. */
export function evaluateTargets({ http, verify, memory }) {
  const out = []
  const httpRow = (scenario, framework, contender) =>
    http.find((r) => r.scenario === scenario && r.framework === framework && r.contender === contender)
  const peersOf = (scenario, framework) =>
    http.filter((r) => r.scenario === scenario && r.framework === framework && r.contender !== 'bare' && r.contender !== 'bearer-guard')
  for (const framework of FRAMEWORKS) {
    const guard = httpRow('warm', framework, 'bearer-guard')
    const bare = httpRow('warm', framework, 'bare')
    if (!guard || !bare) continue
    const best = peersOf('warm', framework).sort((a, b) => b.reqPerSec - a.reqPerSec)[0]
    const vsPeer = ratio(guard.reqPerSec, best.reqPerSec)
    const vsBare = ratio(guard.reqPerSec, bare.reqPerSec)
    out.push({
      target: `HTTP warm, ${framework}: more req/s than every peer, and >= 0.90x bare`,
      measured: `${x(vsPeer)} best peer (${best.label}), ${x(vsBare)} bare`,
      met: vsPeer > 1 && vsBare >= 0.9,
    })
  }
  for (const framework of FRAMEWORKS) {
    const cold = httpRow('cold', framework, 'bearer-guard')
    const bestCold = peersOf('cold', framework).sort((a, b) => b.reqPerSec - a.reqPerSec)[0]
    if (!cold || !bestCold) continue
    const coldVsPeer = ratio(cold.reqPerSec, bestCold.reqPerSec)
    out.push({
      target: `HTTP cold, ${framework}: >= best peer`,
      measured: `${x(coldVsPeer)} best peer (${bestCold.label})`,
      met: coldVsPeer >= 1,
    })
  }
  const v = (alg, mode, contender) => verify.find((r) => r.alg === alg && r.mode === mode && r.contender === contender)?.opsPerSec
  for (const alg of ALGS) {
    const guard = v(alg, 'cold-seq', 'bearer-guard')
    if (guard === undefined) continue
    const vsLimit = ratio(guard, v(alg, 'cold-seq', 'node-crypto'))
    const vsFast = ratio(guard, v(alg, 'cold-seq', 'fast-jwt'))
    out.push({
      target: `Verify ${alg}, cold sequential: >= 0.80x node:crypto, ahead of fast-jwt`,
      measured: `${x(vsLimit)} node:crypto, ${x(vsFast)} fast-jwt`,
      met: vsLimit >= 0.8 && vsFast > 1,
    })
    const warmSeq = ratio(v(alg, 'warm-seq', 'bearer-guard'), v(alg, 'warm-seq', 'fast-jwt-cache'))
    const warm64 = ratio(v(alg, 'warm-64', 'bearer-guard'), v(alg, 'warm-64', 'fast-jwt-cache'))
    out.push({
      target: `Verify ${alg}, warm: >= fast-jwt cached`,
      measured: `${x(warmSeq)} sequential, ${x(warm64)} 64 in flight`,
      met: warmSeq >= 1 && warm64 >= 1,
    })
  }
  if (memory) {
    const samples = memory.samples
    const last = samples[samples.length - 1]
    const full = samples.find((s) => s.tokens >= 10_000) ?? last
    const growth = last.heapUsedMB - full.heapUsedMB
    out.push({
      target: 'Memory: bounded by the cache limit (1,000 entries)',
      measured: `${last.cacheEntries} entries, heap ${fmt1(last.heapUsedMB)} MB after ${fmt(last.tokens)} tokens (${growth >= 0 ? '+' : ''}${fmt1(growth)} MB since ${fmt(full.tokens)}), RSS ${fmt1(last.rssMB)} MB`,
      met: last.cacheEntries <= 1000 && growth < 2,
    })
  }
  return out
}

export function markdown({ machine, config, http, verify, memory, dpop = [], targets }) {
  const lines = []
  const push = (...l) => lines.push(...l)
  push('# bearer-guard benchmark', '')
  push(
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}; Node ${machine.node} (V8 ${machine.v8}, OpenSSL ${machine.openssl}); ` +
      `load average ${machine.loadAverage.join(' ')} at start, ${machine.loadAverageEnd?.join(' ') ?? 'n/a'} at end; ${machine.date}; ${config.quick ? 'quick' : 'full'} run, ${machine.seconds ?? '?'} s.`,
    '',
  )
  push('## Targets', '', '| Target | Measured | Met |', '| --- | --- | --- |')
  for (const t of targets) push(`| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`)
  push('')
  if (http.length > 0) {
    push(
      `## HTTP: GET /things on 127.0.0.1 (autocannon, ${config.http.connections} connections, RS256-2048; ${config.http.rounds} interleaved rounds of ${config.http.durationSeconds} s per server: total requests over total time, median p50/p99 in ms)`,
      '',
    )
    for (const scenario of HTTP_SCENARIOS) {
      const rows = http.filter((r) => r.scenario === scenario)
      if (rows.length === 0) continue
      push(
        `### ${rows[0].scenarioLabel}`,
        '',
        '| Framework | Auth | req/s | vs bare | p50 ms | p99 ms | server CPU µs/req | vs bare | non-2xx |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      )
      for (const r of rows) {
        const name = r.contender === 'bearer-guard' ? '**bearer-guard**' : r.label
        push(
          `| ${r.framework} | ${name} | ${fmt(r.reqPerSec)} | ${x(r.ratioToBare)} | ${r.p50ms} | ${r.p99ms} | ${fmt1(r.cpuMicrosPerRequest)} | ${x(r.cpuRatioToBare)} | ${fmt1(r.rejectedShare * 100)}% |`,
        )
      }
      push('')
    }
  }
  if (verify.length > 0) {
    push(
      `## Verify: library calls, no HTTP (${config.verify.rounds} interleaved slices of ${config.verify.durationMs} ms per contender and mode; cold = ${fmt(config.verify.poolSize)} distinct tokens cycled, warm = one token)`,
      '',
    )
    for (const alg of ALGS) {
      const rows = verify.filter((r) => r.alg === alg)
      if (rows.length === 0) continue
      const limit = rows.find((r) => r.mode === 'cold-seq' && r.contender === 'node-crypto').opsPerSec
      push(
        `### ${alg}${alg === 'RS256' ? ' (2048-bit)' : alg === 'ES256' ? ' (P-256)' : ' (Ed25519)'}`,
        '',
        '| Contender | cold seq ops/s | p50 / p99 µs | vs limit | cold 64 in flight | warm seq ops/s | p50 / p99 µs | warm 64 in flight |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      )
      const contenders = [...new Set(rows.map((r) => r.contender))]
      for (const id of contenders) {
        const m = (mode) => rows.find((r) => r.contender === id && r.mode === mode)
        const cs = m('cold-seq')
        const ws = m('warm-seq')
        const name = id === 'bearer-guard' ? `**${cs.label}**` : cs.label
        push(
          `| ${name} | ${fmt(cs.opsPerSec)} | ${fmt1(cs.p50us)} / ${fmt1(cs.p99us)} | ${x(cs.opsPerSec / limit)} | ${fmt(m('cold-64').opsPerSec)} | ${fmt(ws.opsPerSec)} | ${fmt1(ws.p50us)} / ${fmt1(ws.p99us)} | ${fmt(m('warm-64').opsPerSec)} |`,
        )
      }
      push('')
    }
  }
  const traced = verify.filter((r) => r.contender === 'bearer-guard-traced')
  if (traced.length > 0) {
    push(
      '## Diagnostics channels: cost of one subscriber',
      '',
      'Same guard, same tokens; `bearer-guard-traced` runs with one subscriber on `bearer-guard:verify` (times each call, tallies by outcome). With no subscriber the channels cost one `hasSubscribers` read per call.',
      '',
      '| Algorithm | Mode | no subscriber ops/s | one subscriber ops/s | ratio |',
      '| --- | --- | ---: | ---: | ---: |',
    )
    for (const t of traced) {
      const plain = verify.find((r) => r.alg === t.alg && r.mode === t.mode && r.contender === 'bearer-guard')
      if (plain) push(`| ${t.alg} | ${t.mode} | ${fmt(plain.opsPerSec)} | ${fmt(t.opsPerSec)} | ${x(t.opsPerSec / plain.opsPerSec)} |`)
    }
    push('')
  }
  if (memory) {
    push(
      `## Memory: ${fmt(memory.total)} distinct ES256 tokens through one guard's verify (default cache, 1,000 entries; after full GC; ${fmt1(memory.seconds, 0)} s)`,
      '',
      '| Tokens verified | Heap used MB | RSS MB | External MB | Cache entries |',
      '| ---: | ---: | ---: | ---: | ---: |',
    )
    for (const s of memory.samples)
      push(`| ${fmt(s.tokens)} | ${fmt1(s.heapUsedMB)} | ${fmt1(s.rssMB)} | ${fmt1(s.externalMB)} | ${fmt(s.cacheEntries)} |`)
    if (memory.rejected > 0) push('', `**${memory.rejected} tokens were rejected: the probe is broken.**`)
    push('')
  }
  if (dpop.length > 0) {
    push(
      '',
      `## DPoP: cost of a proof per request (guard.authenticate, sequential, warm token = cache hit; ${config.dpop.rounds} interleaved slices of ${config.dpop.durationMs} ms; a fresh proof each request, in-memory replay store)`,
      '',
      '| Path | req/s | µs/request | added µs vs Bearer | p50 µs | p99 µs | requests |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    )
    for (const r of dpop) {
      push(
        `| ${r.label} | ${fmt(r.opsPerSec)} | ${fmt1(r.microsPerRequest)} | ${fmt1(r.addedMicros)} | ${fmt1(r.p50us)} | ${fmt1(r.p99us)} | ${fmt(r.requests)} |`,
      )
    }
  }
  return lines.join('\n')
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

const COLORS = { guard: '#2563eb', base: '#9ca3af', peer: '#f59e0b' }

/** A column of bar groups; each group is scaled to its own largest bar so small numbers stay readable. */
function barColumn({ title, groups, left, top, width }) {
  const labelWidth = 190
  const valueWidth = 70
  const barMax = width - labelWidth - valueWidth
  const parts = [`<text x="${left}" y="${top}" class="title">${esc(title)}</text>`]
  let y = top + 14
  for (const group of groups) {
    y += 18
    parts.push(`<text x="${left}" y="${y}" class="group">${esc(group.name)}</text>`)
    const max = Math.max(...group.bars.map((b) => b.value))
    for (const bar of group.bars) {
      y += 4
      const w = max > 0 ? Math.max(1, (bar.value / max) * barMax) : 0
      parts.push(
        `<text x="${left + labelWidth - 6}" y="${y + 11}" class="label">${esc(bar.label)}</text>`,
        `<rect x="${left + labelWidth}" y="${y}" width="${w.toFixed(1)}" height="14" fill="${COLORS[bar.kind]}" rx="2"/>`,
        `<text x="${(left + labelWidth + w + 4).toFixed(1)}" y="${y + 11}" class="value">${esc(bar.text)}</text>`,
      )
      y += 14
    }
  }
  return { svg: parts.join('\n'), bottom: y }
}

export function chart({ machine, http, verify }) {
  const kind = (contender) =>
    contender === 'bearer-guard' ? 'guard' : contender === 'bare' || contender === 'node-crypto' ? 'base' : 'peer'
  const httpGroups = (scenario) =>
    FRAMEWORKS.map((framework) => ({
      name: framework,
      bars: http
        .filter((r) => r.scenario === scenario && r.framework === framework)
        .map((r) => ({
          label: r.contender === 'bare' ? 'bare route' : r.label,
          value: r.reqPerSec,
          text: `${fmt(r.reqPerSec)}`,
          kind: kind(r.contender),
        })),
    })).filter((g) => g.bars.length > 0)
  const verifyGroups = (mode) =>
    ALGS.map((alg) => ({
      name: alg,
      bars: verify
        .filter((r) => r.alg === alg && r.mode === mode)
        .map((r) => ({
          label: r.contender === 'node-crypto' ? 'node:crypto (limit)' : r.label.replace(' guard.verify', ''),
          value: r.opsPerSec,
          text: fmt(r.opsPerSec),
          kind: kind(r.contender),
        })),
    })).filter((g) => g.bars.length > 0)
  const width = 1000
  const col = 480
  const a = barColumn({ title: 'HTTP req/s, one repeated token', groups: httpGroups('warm'), left: 10, top: 72, width: col })
  const b = barColumn({ title: 'HTTP req/s, distinct tokens', groups: httpGroups('cold'), left: 10, top: a.bottom + 36, width: col })
  const c = barColumn({ title: 'Verify ops/s, cold, sequential', groups: verifyGroups('cold-seq'), left: 510, top: 72, width: col })
  const d = barColumn({
    title: 'Verify ops/s, warm, sequential',
    groups: verifyGroups('warm-seq'),
    left: 510,
    top: c.bottom + 36,
    width: col,
  })
  const height = Math.max(b.bottom, d.bottom) + 40
  const subtitle = `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date.slice(0, 10)}. Bars scale per group.`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">
<style>
.title { font-size: 15px; font-weight: 600; fill: #111827 }
.group { font-size: 12px; font-weight: 600; fill: #374151 }
.label { font-size: 11px; fill: #374151; text-anchor: end }
.value { font-size: 11px; fill: #111827 }
.sub { font-size: 11px; fill: #6b7280 }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="10" y="22" class="title">bearer-guard vs peers and the node:crypto limit</text>
<text x="10" y="38" class="sub">${esc(subtitle)}</text>
<rect x="600" y="12" width="10" height="10" fill="${COLORS.guard}"/><text x="614" y="21" class="sub">bearer-guard</text>
<rect x="700" y="12" width="10" height="10" fill="${COLORS.peer}"/><text x="714" y="21" class="sub">peers</text>
<rect x="770" y="12" width="10" height="10" fill="${COLORS.base}"/><text x="784" y="21" class="sub">bare route / raw crypto.verify</text>
${a.svg}
${b.svg}
${c.svg}
${d.svg}
</svg>
`
}
