import { describe, expect, it } from "vitest";
import { durationMs } from "./duration.js";

describe("durationMs", () => {
  it("reads a number with a unit, and a number as milliseconds", () => {
    expect(durationMs("300ms")).toBe(300);
    expect(durationMs("1.5s")).toBe(1500);
    expect(durationMs(" 5m ")).toBe(300_000);
    expect(durationMs("2h")).toBe(7_200_000);
    expect(durationMs("7d")).toBe(604_800_000);
    expect(durationMs("2w")).toBe(1_209_600_000);
    expect(durationMs(250)).toBe(250);
  });

  it("gives NaN for anything else", () => {
    for (const bad of ["", "soon", "5", "5 minutes", "-5s", "5y", "1e3s"]) expect(durationMs(bad)).toBeNaN();
  });
});
