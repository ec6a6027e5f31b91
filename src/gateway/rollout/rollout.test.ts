import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { RolloutController } from "./controller.js";
import type { RolloutEvidence, RolloutRoute } from "./types.js";
import { OutcomeWindow } from "./window.js";

const route = (overrides: Partial<RolloutRoute> = {}): RolloutRoute => ({
  id: "r1",
  kind: "canary",
  percent: 10,
  stable: { resolved: "m@1", upstreams: [] },
  candidate: { resolved: "m@2", upstreams: [] },
  slo: { maxErrorRate: 0.1, maxP95Ms: 500, windowMs: 1000, minSamples: 10 },
  ...overrides,
});

describe("OutcomeWindow", () => {
  it("computes nearest-rank p95 and the error rate, and forgets old outcomes", () => {
    const window = new OutcomeWindow();
    for (let i = 1; i <= 100; i++) window.record(i, i, i % 10 === 0);
    expect(window.stats()).toEqual({ samples: 100, errors: 10, errorRate: 0.1, p95Ms: 95 });
    window.prune(51);
    expect(window.stats()).toMatchObject({ samples: 50, errors: 5, p95Ms: 98 });
  });
});

describe("RolloutController", () => {
  it("waits for minSamples, then trips on the error rate once and reports the evidence", async () => {
    const breaches: RolloutEvidence[] = [];
    const controller = new RolloutController(
      {
        async breached(_id, evidence) {
          breaches.push(evidence);
        },
        recordShadow() {},
      },
      pino({ level: "silent" }),
    );
    const r = route();
    for (let i = 0; i < 9; i++) controller.record(r, "candidate", 10, true);
    expect(controller.tripped("r1")).toBe(false); // 9 < minSamples
    controller.record(r, "stable", 20, false);
    controller.record(r, "candidate", 10, false);
    expect(controller.tripped("r1")).toBe(true);
    for (let i = 0; i < 5; i++) controller.record(r, "candidate", 10, true);
    await Promise.resolve();
    expect(breaches).toHaveLength(1);
    expect(breaches[0]).toMatchObject({
      breached: ["error_rate"],
      candidate: "m@2",
      stable: "m@1",
      candidateStats: { samples: 10, errors: 9, errorRate: 0.9 },
      stableStats: { samples: 1, errors: 0 },
    });
  });

  it("trips on p95 latency, ignores shadow candidates, and caps concurrent shadows", () => {
    const controller = new RolloutController(undefined, pino({ level: "silent" }), { maxShadows: 2 });
    const slow = route({ id: "slow" });
    // One slow answer in 20 is the 5% the p95 may ignore (nearest rank: the 19th of 20 sorted values).
    for (let i = 0; i < 20; i++) controller.record(slow, "candidate", i === 15 ? 900 : 100, false);
    expect(controller.tripped("slow")).toBe(false);
    const slower = route({ id: "slower" });
    for (let i = 0; i < 10; i++) controller.record(slower, "candidate", 800, false);
    expect(controller.tripped("slower")).toBe(true);
    const shadow = route({ id: "shadow", kind: "shadow" });
    for (let i = 0; i < 20; i++) controller.record(shadow, "candidate", 5000, true);
    expect(controller.tripped("shadow")).toBe(false);
    expect([controller.startShadow(), controller.startShadow(), controller.startShadow()]).toEqual([true, true, false]);
    controller.endShadow();
    expect(controller.startShadow()).toBe(true);
  });
});
