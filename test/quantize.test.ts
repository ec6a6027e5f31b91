// `llmops quantize`: Q8_0/Q4_0 versions of a registered F32 model, their lineage, the exact blocks
// written (llama.cpp's quantiser, via encodeTensor) and the measured trade-off through llama.cpp.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import {
  dequantize,
  encodeTensor,
  GGML_TYPE,
  metaNumber,
  readGgufFile,
  readGgufTensorData,
  writeTinyLlama,
} from "../src/formats/gguf/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type QuantizeReport, quantizeVersion, quantizeWithTradeoff } from "../src/train/quantize.js";
import { runCli } from "./helpers/cli.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-quantize-"));
const EVAL =
  "In the beginning God created the heaven and the earth. And the earth was without form, and void; " +
  "and darkness was upon the face of the deep. 床前明月光，疑是地上霜。举头望明月，低头思故乡。";
let platform: Platform;
const reports: Record<string, QuantizeReport> = {};

beforeAll(async () => {
  await writeTinyLlama(path.join(home, "m.gguf"), { type: "F32", preset: "small", seed: 3 });
  writeFileSync(path.join(home, "eval.txt"), EVAL);
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: path.join(home, ".llmops") }, cwd: home }).config);
  await platform.registry.register({ file: path.join(home, "m.gguf"), name: "m", actor: "t" });
  for (const type of ["q8_0", "q4_0"]) {
    reports[type] = await quantizeWithTradeoff(platform, {
      ref: "m@1",
      type,
      actor: "t",
      evalText: EVAL,
      measure: { genTokens: 16, runs: 1 },
    });
  }
}, 60_000);
afterAll(() => platform?.close());

describe("quantize", () => {
  it("registers Q8_0 and Q4_0 versions with lineage and smaller files", async () => {
    const q8 = reports.q8_0!;
    const q4 = reports.q4_0!;
    expect(q8.version).toMatchObject({ ref: "m@2", quantization: "Q8_0", tags: { quantization: "Q8_0" } });
    expect(q8.version.lineage).toMatchObject({
      sourceFile: "m-q8_0.gguf",
      parent: "m@1",
      quantizedFrom: "m@1",
      quantization: "Q8_0",
    });
    expect(q4.version).toMatchObject({ ref: "m@3", quantization: "Q4_0" });
    expect(q4.version.lineage.parent).toBe("m@1");
    const [src] = q8.rows;
    expect(src.type).toBe("F32");
    expect(q8.rows[1].sizeBytes).toBeLessThan(src.sizeBytes * 0.4);
    expect(q4.rows[1].sizeBytes).toBeLessThan(q8.rows[1].sizeBytes);
    // Norms stay F32, matrices take the target type.
    expect(q8.tensorTypes["blk.0.attn_norm.weight"]).toBe("F32");
    expect(q8.tensorTypes["blk.0.ffn_up.weight"]).toBe("Q8_0");
    const file = await readGgufFile(await platform.artifacts.localPath(q4.version.artifactHash));
    expect(metaNumber(file.metadata, "general.file_type")).toBe(2);
  });

  it("meets the perplexity targets against the source", () => {
    for (const [type, max] of [
      ["q8_0", 1],
      ["q4_0", 10],
    ] as const) {
      const r = reports[type]!;
      expect(r.evalTokens).toBeGreaterThan(20);
      expect(Number.isFinite(r.rows[0].perplexity)).toBe(true);
      expect(Math.abs(r.rows[1].perplexityDeltaPct)).toBeLessThan(max);
      expect(r.target).toMatchObject({ maxPerplexityDeltaPct: max, met: true });
      expect(r.rows[1].tokensPerSecond).toBeGreaterThan(0);
      expect(r.rows[1].generatedTokens).toBeGreaterThan(0);
    }
  });

  it("writes exactly the blocks llama.cpp's quantiser gives for the source values", async () => {
    const srcPath = await platform.artifacts.localPath((await platform.registry.resolve("m@1")).artifactHash);
    const source = await readGgufFile(srcPath);
    for (const [type, ref] of [
      [GGML_TYPE.Q8_0, "m@2"],
      [GGML_TYPE.Q4_0, "m@3"],
    ] as const) {
      const qPath = await platform.artifacts.localPath((await platform.registry.resolve(ref)).artifactHash);
      const q = await readGgufFile(qPath);
      const name = "blk.1.ffn_down.weight";
      const s = source.tensors.find((t) => t.name === name)!;
      const t = q.tensors.find((x) => x.name === name)!;
      expect(t.type).toBe(type);
      const values = dequantize(s.type, await readGgufTensorData(srcPath, s), s.nElements);
      expect(Buffer.from(await readGgufTensorData(qPath, t)).equals(Buffer.from(encodeTensor(type, values)))).toBe(
        true,
      );
    }
  });

  it("refuses an already-quantised source and a bad type", async () => {
    await expect(quantizeVersion(platform, { ref: "m@2", type: "q4_0", actor: "t" })).rejects.toThrow(
      /already quantised.*F32 or F16/,
    );
    await expect(quantizeVersion(platform, { ref: "m@1", type: "q5_k", actor: "t" })).rejects.toThrow(/--type/);
    const before = (await platform.registry.resolve("m@latest")).version;
    await expect(
      quantizeWithTradeoff(platform, { ref: "m@1", type: "q8_0", actor: "t", evalText: " \n" }),
    ).rejects.toThrow(/--eval/);
    expect((await platform.registry.resolve("m@latest")).version).toBe(before);
  });

  it("is offered by the CLI with --json", () => {
    const result = runCli(["quantize", "m@1", "--type", "q8_0", "--eval", "eval.txt", "--alias", "small", "--json"], {
      cwd: home,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as QuantizeReport;
    expect(report.version).toMatchObject({ ref: "m@4", quantization: "Q8_0", aliases: ["small"] });
    expect(report.rows.map((r) => r.type)).toEqual(["F32", "Q8_0"]);
    expect(report.target.met).toBe(true);
    const bad = runCli(["quantize", "m@4", "--type", "q4_0"], { cwd: home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/already quantised/);
  });
});
