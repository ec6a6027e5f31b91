// Faithfulness on the bundled model (models/llmops-tiny, whatever it holds — random weights or a
// trained one): for prompts where context matters (repeated lines, counting patterns), deleting
// what a method ranks highest must hurt the target more than deleting in a random order, and
// inserting it first must help more — averaged over prompts so one odd prompt cannot decide.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelAccess, openLocalModel } from "../src/explain/access.js";
import { explain } from "../src/explain/explain.js";

const BUNDLED = path.resolve(import.meta.dirname, "../models/llmops-tiny/llmops-tiny-q8_0.gguf");
const CASES: Array<[string, string]> = [
  ["床前明月光，疑是地上霜。举头望明月，低头思故乡。床前明月光，", "疑是地上霜。"],
  ["one two three four five one two three four five one two", " three four five"],
  ["白日依山尽，黄河入海流。欲穷千里目，更上一层楼。白日依山尽，", "黄河入海流。"],
];
let model: ModelAccess;

beforeAll(async () => {
  model = await openLocalModel(BUNDLED, "llmops-tiny");
}, 60_000);
afterAll(async () => {
  await model?.close();
});

describe("faithfulness on the bundled model", () => {
  for (const method of ["occlusion", "kernelshap", "lime"]) {
    it(`${method} beats a random attribution (deletion and insertion AOPC, mean over prompts)`, async () => {
      let del = 0;
      let delRandom = 0;
      let ins = 0;
      let insRandom = 0;
      for (const [prompt, target] of CASES) {
        const e = await explain({
          scorer: model.scorer,
          model: "llmops-tiny",
          prompt,
          target,
          method,
          group: "word",
          seed: 7,
          samples: 40,
          curveSteps: 8,
          randomOrders: 3,
        });
        const f = e.faithfulness;
        expect(f.random?.orders).toBe(3);
        del += f.deletion.aopc;
        delRandom += f.random!.deletionAopc;
        ins += f.insertion.aopc;
        insRandom += f.random!.insertionAopc;
        // The curves start and end where they must: the whole prompt and the empty one.
        expect(f.deletion.logprob[0]).toBeCloseTo(e.logprob.full, 9);
        expect(f.deletion.logprob.at(-1)).toBeCloseTo(e.logprob.empty, 9);
        expect(f.insertion.logprob[0]).toBeCloseTo(e.logprob.empty, 9);
      }
      expect(del / CASES.length).toBeGreaterThan(delRandom / CASES.length);
      expect(ins / CASES.length).toBeGreaterThan(insRandom / CASES.length);
    }, 120_000);
  }
});
