import { describe, expect, it } from "vitest";
import { HealthTracker } from "../health/circuit-breaker.js";
import type { Upstream } from "../types.js";
import { createRoutingStrategy, PowerOfTwoEwmaStrategy, PrefixAffinityStrategy, promptPrefix } from "./index.js";
import { UpstreamTracker } from "./upstream-tracker.js";

const ups: Upstream[] = ["a", "b", "c"].map((id) => ({ id, baseUrl: `http://${id}/v1`, model: "m" }));

function count(picks: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of picks) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe("routing strategies", () => {
  it("round-robin cycles per model", () => {
    const strategy = createRoutingStrategy("round-robin");
    const load = new UpstreamTracker();
    const picks = Array.from({ length: 6 }, () => strategy.pick(ups, { modelKey: "m@1", load }).id);
    expect(picks).toEqual(["a", "b", "c", "a", "b", "c"]);
    expect(strategy.pick(ups, { modelKey: "other@1", load }).id).toBe("a");
  });

  it("least-outstanding (alias least-in-flight) picks the least loaded and rotates ties", () => {
    for (const name of ["least-outstanding", "least-in-flight"]) {
      const strategy = createRoutingStrategy(name);
      expect(strategy.name).toBe(name);
      const load = new UpstreamTracker();
      load.begin("a");
      load.begin("a");
      load.begin("c");
      expect(strategy.pick(ups, { modelKey: "m", load }).id).toBe("b");
      load.begin("b");
      load.begin("b");
      expect(strategy.pick(ups, { modelKey: "m", load }).id).toBe("c");
      const idle = new UpstreamTracker();
      const picks = new Set(Array.from({ length: 3 }, () => strategy.pick(ups, { modelKey: "m", load: idle }).id));
      expect(picks.size).toBe(3);
    }
  });

  it("weighted interleaves in proportion to the weights", () => {
    const strategy = createRoutingStrategy("weighted");
    const load = new UpstreamTracker();
    const weighted = ups.map((u, i) => ({ ...u, weight: [5, 1, 1][i]! }));
    const picks = Array.from({ length: 7 }, () => strategy.pick(weighted, { modelKey: "m", load }).id);
    expect(picks).toEqual(["a", "a", "b", "a", "c", "a", "a"]);
    const many = Array.from({ length: 700 }, () => strategy.pick(weighted, { modelKey: "m", load }).id);
    expect(count(many)).toEqual({ a: 500, b: 100, c: 100 });
    // Weight 0 takes an upstream out; all-zero still answers.
    const zero = ups.map((u, i) => ({ ...u, weight: i === 0 ? 0 : 1 }));
    expect(new Set(Array.from({ length: 10 }, () => strategy.pick(zero, { modelKey: "z", load }).id))).toEqual(
      new Set(["b", "c"]),
    );
  });

  it("p2c-ewma sends most traffic to the fastest upstream but never all of it", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const strategy = new PowerOfTwoEwmaStrategy(random);
    const load = new UpstreamTracker();
    for (let i = 0; i < 5; i++) {
      load.observe("a", 10);
      load.observe("b", 100);
      load.observe("c", 400);
    }
    expect(load.latencyMs("a")).toBeCloseTo(10);
    const picks = count(Array.from({ length: 3000 }, () => strategy.pick(ups, { modelKey: "m", load }).id));
    // a wins every pair it is in (2/3 of pairs), b wins the b–c pair; c is never the better of two.
    expect(picks.a! / 3000).toBeGreaterThan(0.6);
    expect(picks.b! / 3000).toBeGreaterThan(0.25);
    expect(picks.c ?? 0).toBe(0);
    // Load counts too: a busy fast upstream loses to an idle slower one.
    for (let i = 0; i < 20; i++) load.begin("a");
    const busy = count(Array.from({ length: 300 }, () => strategy.pick(ups, { modelKey: "m", load }).id));
    expect(busy.b!).toBeGreaterThan(busy.a ?? 0);
  });

  it("prefix-affinity keeps a prefix on one upstream, moves few keys when one leaves, and bounds load", () => {
    const strategy = new PrefixAffinityStrategy({ loadFactor: 1.25 });
    const load = new UpstreamTracker();
    const keys = Array.from({ length: 300 }, (_, i) => `system prompt of tenant ${i}`);
    const home = new Map(keys.map((key) => [key, strategy.pick(ups, { modelKey: "m", load, prefix: key }).id]));
    for (const key of keys) expect(strategy.pick(ups, { modelKey: "m", load, prefix: key }).id).toBe(home.get(key));
    // Spread over all three, roughly evenly (100 virtual nodes each).
    const spread = count([...home.values()]);
    for (const id of ["a", "b", "c"]) expect(spread[id]!).toBeGreaterThan(50);
    // Without c only c's keys move.
    const twoUps = ups.slice(0, 2);
    let moved = 0;
    for (const key of keys) {
      const now = strategy.pick(twoUps, { modelKey: "m", load, prefix: key }).id;
      if (home.get(key) !== "c") expect(now).toBe(home.get(key));
      else moved++;
    }
    expect(moved).toBe(spread.c);
    // Bounded load: a hot prefix fills its home up to ceil(1.25 × average) and then spills over.
    const hot = keys[0]!;
    const placed: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = strategy.pick(ups, { modelKey: "m", load, prefix: hot }).id;
      placed.push(id);
      load.begin(id);
    }
    const perUpstream = count(placed);
    expect(perUpstream[home.get(hot)!]).toBeLessThanOrEqual(Math.ceil((1.25 * 12) / 3));
    expect(Math.max(...Object.values(perUpstream))).toBeLessThanOrEqual(5);
  });

  it("renders the prompt prefix of chat, completions and embeddings bodies", () => {
    const chat = {
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: [{ type: "text", text: "Hello" }] },
      ],
    };
    expect(promptPrefix(chat, 1000)).toBe("system\nYou are terse.\nuser\nHello\n");
    expect(promptPrefix(chat, 10)).toBe("system\nYou");
    expect(promptPrefix({ prompt: "Once upon a time" }, 4)).toBe("Once");
    expect(promptPrefix({ prompt: [1, 2, 3] }, 100)).toBe("1,2,3");
    expect(promptPrefix({ input: ["first", "second"] }, 100)).toBe("first");
    expect(promptPrefix({ messages: [null, 3] }, 100)).toBe("");
  });

  it("rejects unknown names with the list of known ones", () => {
    expect(() => createRoutingStrategy("random")).toThrow(
      /least-in-flight, least-outstanding, round-robin, weighted, p2c-ewma, prefix-affinity/,
    );
  });
});

describe("HealthTracker (circuit breaker)", () => {
  it("opens on a refused connection at once and after N other failures, then half-opens for one probe", () => {
    let now = 1000;
    const transitions: string[] = [];
    const health = new HealthTracker({ failureThreshold: 3, openMs: 100, maxOpenMs: 400 }, (id, from, to) =>
      transitions.push(`${id}:${from}->${to}`),
    );
    Object.assign(health, { now: () => now });
    expect(health.candidates(ups, undefined)).toBe(ups); // fast path: nothing open, nothing excluded
    health.failure("a", "connect");
    expect(health.state("a")).toBe("open");
    expect(health.candidates(ups, undefined).map((u) => u.id)).toEqual(["b", "c"]);
    health.failure("b", "reset");
    health.failure("b", "status");
    expect(health.state("b")).toBe("closed");
    health.success("b");
    health.failure("b", "reset");
    health.failure("b", "reset");
    expect(health.state("b")).toBe("closed"); // the success reset the count
    health.failure("b", "timeout");
    expect(health.state("b")).toBe("open");
    // Nothing usable but a (open) when b, c are excluded: last resort returns it, otherwise none.
    expect(health.candidates(ups, new Set(["b", "c"])).map((u) => u.id)).toEqual(["a"]);
    expect(health.candidates(ups, new Set(["b", "c"]), false)).toEqual([]);

    now += 100;
    expect(health.state("a")).toBe("half-open");
    expect(health.candidates(ups, undefined).map((u) => u.id)).toEqual(["a", "b", "c"]);
    health.attempt("a"); // the probe goes out; nobody else may try a meanwhile
    expect(health.candidates(ups, undefined).map((u) => u.id)).toEqual(["b", "c"]);
    health.failure("a", "connect"); // probe failed: open for twice as long
    now += 150;
    expect(health.state("a")).toBe("open");
    now += 50;
    expect(health.state("a")).toBe("half-open");
    health.success("a", "active check passed");
    expect(health.state("a")).toBe("closed");
    expect(transitions).toContain("a:open->half-open");
    expect(transitions.at(-1)).toBe("a:open->closed"); // re-admitted by the active check
    health.forget("b");
    health.forget("c");
    expect(health.candidates(ups, undefined)).toBe(ups);
  });
});
