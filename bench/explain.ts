// Cost of one explanation per method on the bundled model: model evaluations (calls), cache hits and
// seconds, next to the baseline of this run — one evaluation of the whole prompt — and, for the
// black-box path, the prefix-reusing llama.cpp scorer against the Engine's score() (the worker's
// path) on the same occlusion explanation.
//
//   npm run build && npm run bench:explain [-- --methods occlusion,lime,kernelshap,ig,gradxinput,attention] [--prompt "…"] [--target "…"]
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openLocalModel } from "../src/explain/access.js";
import { explain } from "../src/explain/explain.js";
import { EngineScorer } from "../src/explain/scorers/engine.js";
import { openLlamaCppEngine } from "../src/serve/engines/llama-cpp.js";

const { values: args } = parseArgs({
  options: {
    methods: { type: "string", default: "occlusion,lime,kernelshap,shapley,ig,gradxinput,attention" },
    prompt: { type: "string", default: "床前明月光，疑是地上霜。举头望明月，低头思故乡。床前明月光，" },
    target: { type: "string", default: "疑是地上霜。" },
    group: { type: "string", default: "word" },
    model: { type: "string" },
  },
});
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const file = args.model ?? path.join(root, "models/llmops-tiny/llmops-tiny-q8_0.gguf");
const group = args.group as "token" | "word" | "sentence";
const access = await openLocalModel(file, "llmops-tiny");

// Baseline: one evaluation of the whole prompt (best of 5, cache cold each time: distinct prompts).
let single = Number.POSITIVE_INFINITY;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await access.scorer.scoreBatch([`${"\u3000".repeat(i)}${args.prompt}`], args.target);
  single = Math.min(single, (performance.now() - t) / 1000);
}
console.log(
  `model ${path.basename(file)}; prompt ${JSON.stringify(args.prompt)} → target ${JSON.stringify(args.target)}; group ${group}`,
);
console.log(`baseline: one evaluation of the whole prompt ${(single * 1000).toFixed(1)} ms\n`);
const rows: string[][] = [
  ["method", "features", "calls", "cache hits", "seconds", "× one evaluation", "deletion AOPC", "random", "check"],
];
for (const method of (args.methods as string).split(",")) {
  // Shapley needs 2^n evaluations: only meaningful on few features, so it runs on sentences.
  const bySentence = method === "shapley" && group !== "sentence";
  const e = await explain({
    scorer: access.scorer,
    gradients: access.gradients!,
    model: "llmops-tiny",
    prompt: args.prompt as string,
    target: args.target as string,
    method,
    group: bySentence ? "sentence" : group,
  });
  const check = e.checks.completeness ? `completeness ${(e.checks.completeness.relativeError * 100).toFixed(2)}%` : "";
  rows.push([
    bySentence ? `${method} (sentences)` : method,
    String(e.features.length),
    String(e.cost.calls),
    String(e.cost.cacheHits),
    e.cost.seconds.toFixed(2),
    (e.cost.seconds / single).toFixed(0),
    e.faithfulness.deletion.aopc.toFixed(3),
    e.faithfulness.random?.deletionAopc.toFixed(3) ?? "-",
    check,
  ]);
}
await access.close();
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
console.log(
  "\n(calls and seconds include the faithfulness curves and 2 random rankings; gradient methods' seconds are mostly our jax-js forward/backward passes)",
);

// Scorers: the same occlusion explanation through the prefix-reusing scorer and the Engine's score().
const engine = await openLlamaCppEngine({ modelPath: file, id: "llmops-tiny", threads: 1, contextSize: 512 });
const engineScorer = new EngineScorer(engine, "llmops-tiny");
const fast = await openLocalModel(file, "llmops-tiny");
const timeOcclusion = async (scorer: typeof engineScorer | typeof fast.scorer) => {
  const t = performance.now();
  const e = await explain({
    scorer,
    model: "llmops-tiny",
    prompt: args.prompt as string,
    target: args.target as string,
    method: "occlusion",
    group,
    randomOrders: 2,
  });
  return { seconds: (performance.now() - t) / 1000, calls: e.cost.calls };
};
const a = await timeOcclusion(engineScorer);
const b = await timeOcclusion(fast.scorer);
console.log(
  `\nocclusion + curves (${b.calls} evaluations): Engine.score ${a.seconds.toFixed(2)} s, prefix-reusing scorer ${b.seconds.toFixed(2)} s — ${(a.seconds / b.seconds).toFixed(2)}× faster`,
);
await fast.close();
await engine.close();
