// Runs that are unfinished or failed have no summary: every format still renders, saying why.
import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { EvalRun } from "../store.js";
import { buildReport, renderReport } from "./index.js";

const run: EvalRun = {
  id: "01TEST",
  suiteName: "s",
  suiteHash: "h",
  candidate: "m@1",
  candidateId: "llmops:m@1",
  baseline: null,
  baselineId: null,
  modelName: "m",
  modelVersion: 1,
  options: { repeat: null, concurrency: 1, cache: true, baseUrl: null },
  status: "failed",
  gated: true,
  gatePass: false,
  summary: { error: "the judge <exploded>" },
  totalCells: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: "t",
  finishedAt: "2026-01-01T00:00:01.000Z",
};

describe("reports of runs without a summary", () => {
  it("render in every format with the failure reason", () => {
    const report = buildReport(run, []);
    expect(report.summary).toBeNull();
    expect(report.error).toBe("the judge <exploded>");
    expect(renderReport(report, "table")).toContain("status failed: the judge <exploded>");
    expect(renderReport(report, "md")).toContain("Status: failed (the judge <exploded>)");
    expect(renderReport(report, "html")).toContain("the judge &lt;exploded&gt;");
    expect(XMLValidator.validate(renderReport(report, "junit"))).toBe(true);
    expect(JSON.parse(renderReport(report, "json")).error).toBe("the judge <exploded>");
    expect(buildReport({ ...run, status: "running", summary: null }, []).error).toBeNull();
  });
});
