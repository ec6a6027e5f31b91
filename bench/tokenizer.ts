// Tokenizer speed: training time on the bundled corpora, and encoding/decoding throughput of our
// encoder against llama.cpp's own tokenizer (node-llama-cpp, vocabulary-only model) on the same
// text and vocabulary, in alternating rounds (best of each). One core: both run on the main thread.
//
//   npm run build && node dist/bench/tokenizer.js [--rounds 5] [--vocab 1000,4000,8000] [--copies 2]
//
// --copies N trains on the Tang poems and Genesis N times over (N = 2: 2.8 MB). Targets: training
// on ~2 MB well under a minute; encoding >= 1 MB/s.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { buildLlamaGguf, randomLlamaWeights, TINY_LLAMA } from "../src/formats/gguf/index.js";
import { SpmTokenizer, toGgufVocab, trainTokenizer } from "../src/train/tokenizer/index.js";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    vocab: { type: "string", default: "1000,4000,8000" },
    copies: { type: "string", default: "2" },
  },
});
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const corpora = ["tang-poems.txt", "kjv-genesis.txt"].map((f) => path.join(root, "data/corpora", f));
const files = Array.from({ length: Number(args.copies) }, () => corpora).flat();
const text = corpora.map((f) => readFileSync(f, "utf8")).join("");
const lines = text.split("\n");
const mb = Buffer.byteLength(text) / 1e6;
const dir = mkdtempSync(path.join(tmpdir(), "llmops-bench-tokenizer-"));
const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });

const best = (xs: number[]) => Math.min(...xs);
const time = (fn: () => void) => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
};

console.log(
  `corpus for training: ${files.length} files, ${(mb * Number(args.copies)).toFixed(2)} MB; encoding: ${mb.toFixed(2)} MB`,
);
console.log(
  "vocab  train s  (count/merge)  pieces  bytes/token  encode MB/s (ours / llama.cpp / ratio)  per-line MB/s (ours / llama.cpp)  decode MB/s (ours / llama.cpp)",
);
try {
  for (const vocabSize of args.vocab.split(",").map(Number)) {
    const started = performance.now();
    const { data, stats } = await trainTokenizer({ files, vocabSize });
    const trainSeconds = (performance.now() - started) / 1000;
    const tok = new SpmTokenizer(data);
    const hparams = { ...TINY_LLAMA, nVocab: data.pieces.length };
    const gguf = path.join(dir, `v${vocabSize}.gguf`);
    await buildLlamaGguf(gguf, {
      hparams,
      vocab: toGgufVocab(data),
      type: "F32",
      weights: randomLlamaWeights(hparams),
    });
    const model = await llama.loadModel({ modelPath: gguf, vocabOnly: true });

    const ours = { whole: [] as number[], lines: [] as number[], decode: [] as number[] };
    const theirs = { whole: [] as number[], lines: [] as number[], decode: [] as number[] };
    let ids: number[] = [];
    for (let r = 0; r < Number(args.rounds); r++) {
      ours.whole.push(time(() => (ids = tok.encode(text))));
      let llamaIds: Token[] = [];
      theirs.whole.push(time(() => (llamaIds = model.tokenize(text))));
      if (llamaIds.length !== ids.length || llamaIds.some((id, i) => id !== ids[i])) throw new Error("ids differ");
      ours.lines.push(
        time(() => {
          for (const line of lines) tok.encode(line);
        }),
      );
      theirs.lines.push(
        time(() => {
          for (const line of lines) model.tokenize(line);
        }),
      );
      ours.decode.push(time(() => tok.decode(ids)));
      theirs.decode.push(time(() => model.detokenize(llamaIds)));
    }
    await model.dispose();
    const rate = (xs: number[]) => mb / best(xs);
    console.log(
      [
        String(vocabSize).padStart(5),
        trainSeconds.toFixed(2).padStart(8),
        `(${stats.countSeconds.toFixed(2)}/${stats.mergeSeconds.toFixed(2)})`.padStart(14),
        String(stats.vocabSize).padStart(7),
        (Buffer.byteLength(text) / ids.length).toFixed(2).padStart(12),
        `${rate(ours.whole).toFixed(1)} / ${rate(theirs.whole).toFixed(1)} / ${(rate(ours.whole) / rate(theirs.whole)).toFixed(2)}x`.padStart(
          40,
        ),
        `${rate(ours.lines).toFixed(1)} / ${rate(theirs.lines).toFixed(1)}`.padStart(34),
        `${rate(ours.decode).toFixed(1)} / ${rate(theirs.decode).toFixed(1)}`.padStart(31),
      ].join("  "),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
