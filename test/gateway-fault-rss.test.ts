// Memory under load: the gateway's RSS may grow by less than 10% over many requests once warm.
// The same soak as `node dist/bench/gateway-soak.js` (200 000 requests, run by hand and reported);
// here LLMOPS_SOAK_REQUESTS of them (default 10 000, 10–20 s on the shared 2-core dev box).
import { describe, expect, it } from "vitest";
import { runSoak } from "../bench/gateway-soak.js";

const REQUESTS = Number(process.env.LLMOPS_SOAK_REQUESTS ?? 10_000);

describe("gateway memory under sustained load", () => {
  it(`grows RSS by less than 10% over ${REQUESTS} requests`, async () => {
    const result = await runSoak({ requests: REQUESTS, concurrency: 16 });
    console.log(
      `soak: ${result.requests} requests in ${result.seconds.toFixed(1)} s (${result.requestsPerSecond.toFixed(0)} req/s), ` +
        `rss ${result.baselineRssMb.toFixed(1)} → ${result.finalRssMb.toFixed(1)} MiB (${(result.rssGrowth * 100).toFixed(2)}%), ` +
        `heap ${result.baselineHeapMb.toFixed(1)} → ${result.finalHeapMb.toFixed(1)} MiB`,
    );
    expect(result.failures).toBe(0);
    expect(result.requests).toBe(REQUESTS);
    expect(result.rssGrowth).toBeLessThan(0.1);
    // The heap is the sharper signal of a JS leak: flat within a few MiB once warm.
    expect(result.finalHeapMb - result.baselineHeapMb).toBeLessThan(16);
  }, 180_000);
});
