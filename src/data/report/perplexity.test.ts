import { describe, expect, it } from "vitest";
import { PerplexitySampler, type PerplexityScorer, perplexityOf } from "./perplexity.js";

describe("perplexityOf", () => {
  it("is exp of the mean negative log-probability, ignoring the unscored first token", () => {
    expect(perplexityOf([null, Math.log(0.5), Math.log(0.5)])).toBeCloseTo(2, 10);
    expect(perplexityOf([null, Math.log(0.25), Math.log(1)])).toBeCloseTo(2, 10);
    expect(perplexityOf([null])).toBeNull();
  });
});

describe("PerplexitySampler", () => {
  // A scorer with known answers: ordinary rows near 20, one gibberish row at 5000, one boilerplate row at 1.1.
  const scorer: PerplexityScorer = {
    model: "m@1",
    async score(text) {
      if (text === "") return null;
      if (text.startsWith("zxq")) return 5000;
      if (text.startsWith("same")) return 1.1;
      return 20 + (text.length % 7);
    },
  };

  it("scores an evenly spaced sample and flags rows far from the median on both sides", async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `ordinary sentence number ${i}`);
    rows[40] = "zxqv kkkq zzzz";
    rows[120] = "same same same same";
    const sampler = new PerplexitySampler(scorer, rows.length, 100); // every 2nd row
    for (const [i, text] of rows.entries()) await sampler.observe(text, { shard: 0, index: i });
    const report = sampler.report();
    expect(report).toMatchObject({ model: "m@1", scored: 100, skipped: 0, count: 2 });
    expect(report.median).toBeGreaterThan(19);
    expect(report.median).toBeLessThan(27);
    expect(report.examples.map((e) => [e.index, e.perplexity])).toEqual([
      [120, 1.1],
      [40, 5000],
    ]);
    expect(report.examples[0]!.score).toBeLessThan(-3.5);
    expect(report.examples[1]!.score).toBeGreaterThan(3.5);
  });

  it("counts rows the model cannot score and stops at the sample size", async () => {
    const sampler = new PerplexitySampler(scorer, 10, 4);
    for (let i = 0; i < 10; i++) await sampler.observe(i % 3 === 0 ? "" : `row ${i}`, { shard: 0, index: i });
    const report = sampler.report();
    expect(report.scored + report.skipped).toBeLessThanOrEqual(4);
    expect(report.skipped).toBeGreaterThan(0);
  });

  it("reports no outliers for an empty sample", () => {
    expect(new PerplexitySampler(scorer, 0, 10).report()).toMatchObject({ scored: 0, median: null, count: 0 });
  });
});
