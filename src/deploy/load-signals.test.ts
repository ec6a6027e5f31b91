import { describe, expect, it } from "vitest";
import {
  histogramQuantile,
  type LoadSource,
  measureLoad,
  parsePrometheusText,
  summariseWorker,
} from "./load-signals.js";

const scrape = (inFlight: number, queued: number, tokens: number, buckets: [string, number][]) =>
  [
    "# HELP llmops_worker_in_flight_requests x",
    "# TYPE llmops_worker_in_flight_requests gauge",
    `llmops_worker_in_flight_requests ${inFlight}`,
    `llmops_worker_queued_requests ${queued}`,
    `llmops_worker_completion_tokens_total{route="chat"} ${tokens}`,
    ...buckets.map(([le, n]) => `llmops_worker_time_to_first_token_seconds_bucket{le="${le}",route="chat"} ${n}`),
  ].join("\n");

describe("load signals", () => {
  it("parses the Prometheus text format, labels with escapes included", () => {
    const samples = parsePrometheusText('a_total{x="q\\"uote",le="+Inf"} 3\n# comment\nb 1.5e2\nbad line\n');
    expect(samples).toEqual([
      { name: "a_total", labels: { x: 'q"uote', le: "+Inf" }, value: 3 },
      { name: "b", labels: {}, value: 150 },
    ]);
  });

  it("p95 from two cumulative histograms interpolates inside the bucket", () => {
    const before = new Map([
      [0.1, 0],
      [1, 0],
      [Number.POSITIVE_INFINITY, 0],
    ]);
    const after = new Map([
      [0.1, 50],
      [1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    expect(histogramQuantile(0.95, before, after)).toBeCloseTo(0.1 + 0.9 * (45 / 50), 6);
    expect(histogramQuantile(0.95, after, after)).toBeNull();
  });

  it("measures each model's load from its workers' metrics over an interval", async () => {
    let round = 0;
    const source: LoadSource = {
      workers: async () => [
        { url: "http://a/v1", model: "m@1" },
        { url: "http://b/v1", model: "m@1" },
        { url: "http://c/v1", model: "n@2" },
      ],
      metrics: async (w) => {
        if (w.url === "http://c/v1") throw new Error("down");
        const late = round++ >= 2;
        return scrape(1, late ? 2 : 0, late ? 100 : 0, [
          ["0.5", late ? 10 : 0],
          ["+Inf", late ? 10 : 0],
        ]);
      },
    };
    const loads = await measureLoad(source, 20, 42);
    const m = loads.find((l) => l.model === "m@1")!.sample;
    expect(m).toMatchObject({ at: 42, replicas: 2, inFlight: 2, queued: 4 });
    expect(m.tokensPerSecondPerWorker).toBeCloseTo(100 / 0.02, 0);
    expect(m.ttftP95).toBeCloseTo(0.475, 3);
    expect(loads.find((l) => l.model === "n@2")!.sample).toMatchObject({ replicas: 1, inFlight: 0, ttftP95: null });
    expect(summariseWorker(parsePrometheusText(scrape(3, 1, 5, []))).inFlight).toBe(3);
  });
});
