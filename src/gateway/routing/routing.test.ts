import { describe, expect, it } from "vitest";
import type { Upstream } from "../types.js";
import { createRoutingStrategy } from "./index.js";
import { UpstreamTracker } from "./upstream-tracker.js";

const ups: Upstream[] = ["a", "b", "c"].map((id) => ({ id, baseUrl: `http://${id}/v1`, model: "m" }));

describe("routing strategies", () => {
  it("round-robin cycles per model", () => {
    const strategy = createRoutingStrategy("round-robin");
    const load = new UpstreamTracker(1000);
    const picks = Array.from({ length: 6 }, () => strategy.pick(ups, { modelKey: "m@1", load }).id);
    expect(picks).toEqual(["a", "b", "c", "a", "b", "c"]);
    expect(strategy.pick(ups, { modelKey: "other@1", load }).id).toBe("a");
  });

  it("least-in-flight picks the least loaded and rotates ties", () => {
    const strategy = createRoutingStrategy("least-in-flight");
    const load = new UpstreamTracker(1000);
    load.begin("a");
    load.begin("a");
    load.begin("c");
    expect(strategy.pick(ups, { modelKey: "m", load }).id).toBe("b");
    load.begin("b");
    load.begin("b");
    expect(strategy.pick(ups, { modelKey: "m", load }).id).toBe("c");
    const idle = new UpstreamTracker(1000);
    const picks = new Set(Array.from({ length: 3 }, () => strategy.pick(ups, { modelKey: "m", load: idle }).id));
    expect(picks.size).toBe(3);
  });

  it("rejects unknown names with the list of known ones", () => {
    expect(() => createRoutingStrategy("random")).toThrow(/least-in-flight, round-robin/);
  });
});

describe("UpstreamTracker", () => {
  it("prefers upstreams outside their cooldown but never returns none while some remain", async () => {
    const tracker = new UpstreamTracker(30);
    expect(tracker.candidates(ups, undefined)).toBe(ups);
    tracker.markDown("a");
    expect(tracker.candidates(ups, undefined).map((u) => u.id)).toEqual(["b", "c"]);
    expect(tracker.candidates(ups, new Set(["b", "c"])).map((u) => u.id)).toEqual(["a"]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(tracker.candidates(ups, undefined).map((u) => u.id)).toEqual(["a", "b", "c"]);
    tracker.end("x");
    expect(tracker.inFlight("x")).toBe(0);
  });
});
