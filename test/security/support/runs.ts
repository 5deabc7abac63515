/**
 * Sizes of the property-based and load runs. Defaults fit CI (the whole security and load suite in well under
 * a minute on two cores); the environment scales them up for a soak: FUZZ_RUNS (runs per property),
 * LOAD_TOKENS (distinct tokens in the memory run), LOAD_SECONDS (sustained run per adapter).
 */
function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`)
  return value
}

/** Runs for one property: `FUZZ_RUNS` when set, else the property's CI default. */
export const fuzzRuns = (ciDefault: number): number => Math.round(fromEnv('FUZZ_RUNS', ciDefault))

export const loadTokens = (): number => Math.round(fromEnv('LOAD_TOKENS', 25_000))

export const loadSeconds = (): number => fromEnv('LOAD_SECONDS', 1.5)

/** A test timeout that grows with the run count, so a soak (large FUZZ_RUNS) is not cut short. */
export const fuzzTimeout = (runs: number, msPerRun = 10): number => Math.max(20_000, runs * msPerRun)
