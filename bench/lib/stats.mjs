/** Small numeric helpers shared by the runners. */

/** Latency samples in a fixed ring, so a long run cannot grow memory. Values in milliseconds. */
export class LatencyRing {
  constructor(capacity = 1 << 18) {
    this.values = new Float64Array(capacity)
    this.count = 0
  }

  add(ms) {
    this.values[this.count % this.values.length] = ms
    this.count++
  }

  /** p50 and p99 in microseconds. */
  percentiles() {
    const n = Math.min(this.count, this.values.length)
    if (n === 0) return { p50: Number.NaN, p99: Number.NaN }
    const sorted = this.values.slice(0, n).sort()
    const at = (q) => sorted[Math.min(n - 1, Math.floor(q * n))] * 1000
    return { p50: at(0.5), p99: at(0.99) }
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The sample whose throughput is the median of all samples (keeps its latencies consistent with it). */
export function medianSample(samples, key) {
  const sorted = [...samples].sort((a, b) => a[key] - b[key])
  return sorted[(sorted.length - 1) >> 1]
}

export const round = (value, digits = 0) => {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
