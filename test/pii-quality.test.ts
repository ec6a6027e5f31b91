// Detection quality on the committed labelled set (test/fixtures/pii): a regression in any detector
// fails here. Thresholds are the targets for the structured types; the heuristic types
// (PERSON, ADDRESS) and SECRET/URL_CREDENTIALS get floors just under what they reach today.
import { describe, expect, it } from "vitest";
import { detectPii } from "../src/data/pii/detect.js";
import { evaluateSpans } from "../src/data/pii/evaluate.js";
import { STRUCTURED_PII_TYPES } from "../src/data/pii/types.js";
import { loadLabelledSet } from "./fixtures/pii/load.js";

const records = loadLabelledSet();
const examples = records.map((r) => ({ gold: r.spans, predicted: detectPii(r.text) }));
const typed = evaluateSpans(examples);

describe("PII detection quality on the labelled set", () => {
  it("has enough labelled spans of every type to mean something", () => {
    for (const type of [...STRUCTURED_PII_TYPES, "URL_CREDENTIALS", "SECRET", "PERSON", "ADDRESS"]) {
      const s = typed.perType[type]!;
      expect(s.tp + s.fn, type).toBeGreaterThanOrEqual(50);
    }
  });

  it.each(STRUCTURED_PII_TYPES)("%s: recall ≥ 0.95 and precision ≥ 0.90", (type) => {
    const s = typed.perType[type]!;
    expect(s.recall, `${type} recall`).toBeGreaterThanOrEqual(0.95);
    expect(s.precision, `${type} precision`).toBeGreaterThanOrEqual(0.9);
  });

  it.each([
    ["URL_CREDENTIALS", 0.95],
    ["SECRET", 0.95],
    ["PERSON", 0.9],
    ["ADDRESS", 0.9],
  ] as const)("%s: F2 ≥ %s", (type, floor) => {
    expect(typed.perType[type]!.f2).toBeGreaterThanOrEqual(floor);
  });

  it("reports nothing in the hand-written decoys", () => {
    const decoys = loadLabelledSet(["hard-cases.jsonl"]).filter((r) => r.spans.length === 0);
    expect(decoys.length).toBeGreaterThanOrEqual(15);
    for (const r of decoys) {
      const found = detectPii(r.text).map((d) => `${d.type}:${r.text.slice(d.start, d.end)}`);
      expect(found, r.text).toEqual([]);
    }
  });

  it("finds every hand-written hard case with exact offsets", () => {
    for (const r of loadLabelledSet(["hard-cases.jsonl"])) {
      const found = detectPii(r.text).map((d) => ({ start: d.start, end: d.end, type: d.type }));
      expect(found, r.text).toEqual(r.spans);
    }
  });
});
