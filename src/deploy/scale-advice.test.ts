import { describe, expect, it } from "vitest";
import { mulberry32 } from "../util/random.js";
import { DEFAULT_SCALE_POLICY, type LoadSample, type ScalePolicy, ScaleRecommender } from "./scale-advice.js";

/**
 * Replays a load trace: `demand(t)` concurrent requests arrive; each worker serves
 * `targetInFlightPerWorker` at once, the rest queue; TTFT grows with the queue. Replicas follow the
 * advice after `lagSeconds` (pods take time to start).
 */
function replay(demand: (t: number) => number, seconds: number, policy: Partial<ScalePolicy> = {}, step = 15) {
  const full = { ...DEFAULT_SCALE_POLICY, ...policy };
  const recommender = new ScaleRecommender(full);
  let replicas = full.minReplicas;
  const out: { t: number; demand: number; replicas: number; desired: number }[] = [];
  for (let t = 0; t <= seconds; t += step) {
    const d = Math.max(0, Math.round(demand(t)));
    const capacity = replicas * full.targetInFlightPerWorker;
    const sample: LoadSample = {
      at: t,
      replicas,
      inFlight: Math.min(d, capacity),
      queued: Math.max(0, d - capacity),
      ttftP95: d === 0 ? null : 0.2 + Math.max(0, d - capacity) * 0.5,
    };
    const advice = recommender.observe(sample);
    out.push({ t, demand: d, replicas, desired: advice.desired });
    replicas = advice.desired;
  }
  return out;
}

function directionChanges(values: number[]): number {
  let changes = 0;
  let last = 0;
  for (let i = 1; i < values.length; i++) {
    const dir = Math.sign(values[i]! - values[i - 1]!);
    if (dir !== 0 && last !== 0 && dir !== last) changes++;
    if (dir !== 0) last = dir;
  }
  return changes;
}

describe("ScaleRecommender on recorded load traces", () => {
  it("ramp: follows rising load up, never down, and catches up within a few steps", () => {
    const trace = replay((t) => t / 30, 1200, { maxReplicas: 50 });
    const desired = trace.map((s) => s.desired);
    for (let i = 1; i < desired.length; i++) expect(desired[i]).toBeGreaterThanOrEqual(desired[i - 1]!);
    const last = trace.at(-1)!;
    expect(last.desired).toBeGreaterThanOrEqual(last.demand);
    expect(last.desired).toBeLessThanOrEqual(Math.ceil(last.demand * 1.2) + 1);
  });

  it("spike: scales up at once (at most ×2 per step), holds through the stabilisation window, then steps down", () => {
    const trace = replay((t) => (t >= 300 && t < 360 ? 16 : 2), 1500, { minReplicas: 2 });
    const atSpike = trace.find((s) => s.t === 300)!;
    expect(atSpike.desired).toBe(4); // 2 → ×2 limit in one step
    const peak = Math.max(...trace.map((s) => s.desired));
    expect(peak).toBe(16);
    // Still at the peak 4 minutes after the spike ended (window 300 s) …
    expect(trace.find((s) => s.t === 600)!.desired).toBe(16);
    // … then down one step per decision, back to the base load eventually.
    const after = trace.filter((s) => s.t > 660).map((s) => s.desired);
    for (let i = 1; i < after.length; i++) expect(after[i - 1]! - after[i]!).toBeLessThanOrEqual(1);
    expect(trace.at(-1)!.desired).toBe(2);
  });

  it("diurnal: tracks a daily sine without flapping", () => {
    const day = 24 * 3600;
    const trace = replay((t) => 10 + 8 * Math.sin((2 * Math.PI * t) / day), day, { maxReplicas: 40 }, 60);
    const desired = trace.map((s) => s.desired);
    expect(Math.max(...desired)).toBeGreaterThanOrEqual(18);
    expect(Math.min(...desired.slice(desired.length / 2))).toBeLessThanOrEqual(4);
    // One rise and one fall over the day, not a sawtooth.
    expect(directionChanges(desired)).toBeLessThanOrEqual(2);
    // Never far below demand once the first scale-up from one worker is done.
    for (const s of trace.filter((x) => x.t > 600))
      expect(s.desired).toBeGreaterThanOrEqual(Math.min(s.demand, 40) - 2);
  });

  it("noise within the tolerance changes nothing", () => {
    const random = mulberry32(7);
    const trace = replay(() => 10 * (1 + (random() - 0.5) * 0.16), 3600, { minReplicas: 10 });
    expect(new Set(trace.map((s) => s.desired))).toEqual(new Set([10]));
  });

  it("asks for more workers when TTFT breaches its objective with requests queued", () => {
    const r = new ScaleRecommender({ ...DEFAULT_SCALE_POLICY, targetInFlightPerWorker: 4 });
    const advice = r.observe({ at: 0, replicas: 4, inFlight: 16, queued: 1, ttftP95: 6 });
    expect(advice.desired).toBeGreaterThan(5);
    expect(advice.reason).toMatch(/TTFT/);
  });

  it("goes to the minimum with no traffic, after the window", () => {
    const r = new ScaleRecommender({ ...DEFAULT_SCALE_POLICY, minReplicas: 1, scaleDownStabilizationSeconds: 60 });
    r.observe({ at: 0, replicas: 3, inFlight: 3, queued: 0, ttftP95: 0.1 });
    let last = 3;
    for (let t = 15; t <= 300; t += 15)
      last = r.observe({ at: t, replicas: last, inFlight: 0, queued: 0, ttftP95: null }).desired;
    expect(last).toBe(1);
  });

  it("rejects impossible policies", () => {
    expect(() => new ScaleRecommender({ ...DEFAULT_SCALE_POLICY, minReplicas: 5, maxReplicas: 2 })).toThrow();
    expect(() => new ScaleRecommender({ ...DEFAULT_SCALE_POLICY, targetInFlightPerWorker: 0 })).toThrow();
  });
});
