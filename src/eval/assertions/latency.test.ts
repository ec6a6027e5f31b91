import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("latency and token-count", () => {
  it("latency and token-count read the response", async () => {
    expect((await grade({ type: "latency", threshold: 200 }, "x")).pass).toBe(true);
    expect((await grade({ type: "latency", threshold: 100 }, "x")).pass).toBe(false);
    expect((await grade({ type: "token-count", max: 5 }, "x")).pass).toBe(true);
    expect((await grade({ type: "token-count", min: 16, count: "total" }, "x")).pass).toBe(false);
  });
});
