// `llmops tokenizer …`: train a SentencePiece-style vocabulary for llama.cpp on text files, look at
// one, and encode/decode text with it. No platform state is touched (pure file in, file out).
import { stat } from "node:fs/promises";
import type { Command } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import type { TrainProgress } from "../../train/tokenizer/index.js";
import { jsonOption, runAction, wantsJson } from "../context.js";
import { formatBytes, printFields, printJson } from "../output.js";

interface TrainFlags {
  vocabSize: string;
  output: string;
  characterCoverage?: string;
  maxPieceLength?: string;
  minPairFrequency?: string;
  controlToken: string[];
  chatml?: boolean;
  eos?: string;
  force?: boolean;
}

export function registerTokenizerCommands(program: Command): void {
  const tokenizer = program
    .command("tokenizer")
    .description('train and use SentencePiece-style tokenizers (llama.cpp\'s "llama" vocabulary)');

  jsonOption(
    tokenizer
      .command("train <corpus...>")
      .description("learn a BPE vocabulary with byte fallback from UTF-8 text files")
      .requiredOption("-v, --vocab-size <n>", "number of pieces, specials and 256 byte pieces included (>= 260)")
      .option("-o, --output <file>", "tokenizer file to write", "tokenizer.json")
      .option("--character-coverage <x>", "share of the corpus's characters that may get a piece (0-1]", "0.9995")
      .option("--max-piece-length <n>", "longest piece in characters", "16")
      .option("--min-pair-frequency <n>", "merge only pairs seen at least this often", "2")
      .option("--control-token <text>", "add a control token (repeatable), e.g. <|im_start|>", collect, [])
      .option("--chatml", "add ChatML's <|im_start|> and <|im_end|> control tokens; <|im_end|> is eos")
      .option("--eos <text>", "end-of-sequence token: </s> (default) or one of the control tokens")
      .option("-f, --force", "overwrite the output file if it exists"),
  ).action(
    runAction(async (command, corpus: string[]) => {
      const o = command.opts<TrainFlags>();
      const vocabSize = parseNumber(o.vocabSize, "--vocab-size", { integer: true });
      const controlTokens = [...(o.chatml ? ["<|im_start|>", "<|im_end|>"] : []), ...o.controlToken];
      const eos = o.eos ?? (o.chatml ? "<|im_end|>" : undefined);
      if (!o.force && (await exists(o.output))) {
        throw new LlmopsError("usage", `${o.output} already exists; pass --force to overwrite it or choose --output`, {
          param: "--output",
        });
      }
      const { minimumVocabSize, trainTokenizer, writeTokenizerFile } = await import("../../train/tokenizer/index.js");
      const min = minimumVocabSize(controlTokens);
      if (vocabSize < min) {
        throw new LlmopsError(
          "usage",
          `--vocab-size must be at least ${min} (<unk> <s> </s>${controlTokens.length ? ` + ${controlTokens.length} control tokens` : ""} + 256 byte pieces + "▁"), not ${vocabSize}`,
          { param: "--vocab-size" },
        );
      }
      const bar = new ProgressLine();
      const started = performance.now();
      const { data, stats } = await trainTokenizer({
        files: corpus,
        vocabSize,
        characterCoverage: parseNumber(o.characterCoverage!, "--character-coverage"),
        maxPieceLength: parseNumber(o.maxPieceLength!, "--max-piece-length", { integer: true }),
        minPairFrequency: parseNumber(o.minPairFrequency!, "--min-pair-frequency", { integer: true }),
        controlTokens,
        ...(eos ? { eos } : {}),
        onProgress: (p) => bar.show(p),
      }).finally(() => bar.clear());
      const fileBytes = await writeTokenizerFile(o.output, data);
      const seconds = (performance.now() - started) / 1000;
      if (wantsJson(command)) return printJson({ output: o.output, fileBytes, seconds, stats, corpus: data.corpus });
      const controls = data.types.filter((t) => t === 3).length;
      process.stdout.write(
        `${pc.green("trained")} ${pc.bold(o.output)}: ${stats.vocabSize} pieces = ${controls + 1} special + 256 bytes + ` +
          `${stats.characterPieces} characters + ${stats.mergedPieces} merges (${seconds.toFixed(1)} s)\n`,
      );
      printFields({
        corpus: `${data.corpus.length} file(s), ${formatBytes(stats.bytes)}, ${stats.characters} characters (${stats.distinctCharacters} distinct)`,
        coverage: `${(stats.coverage * 100).toFixed(2)}% of characters have a piece; the rest are encoded as bytes`,
        tokens: `${stats.tokens} (${(stats.bytes / Math.max(1, stats.tokens)).toFixed(2)} bytes per token)`,
        "eos token": data.pieces[data.special.eos],
      });
      if (stats.vocabSize < vocabSize) {
        process.stdout.write(
          `${pc.yellow("note:")} the corpus has no more pairs seen ${data.training?.minPairFrequency ?? 2}+ times, so the vocabulary ` +
            `has ${stats.vocabSize} of the ${vocabSize} pieces asked for\n`,
        );
      }
    }),
  );

  jsonOption(
    tokenizer
      .command("show <file>")
      .description("summarise a tokenizer file (validated as llama.cpp would load it)")
      .option("--pieces <n>", "also list the first N learned pieces", "0"),
  ).action(
    runAction(async (command, file: string) => {
      const { loadTokenizer } = await import("../../train/tokenizer/index.js");
      const tok = await loadTokenizer(file);
      const { data } = tok;
      const count = (type: number) => data.types.filter((t) => t === type).length;
      const firstNormal = data.types.indexOf(1);
      const n = parseNumber(command.opts<{ pieces: string }>().pieces, "--pieces", { integer: true });
      const listed = n > 0 ? data.pieces.slice(firstNormal, firstNormal + n) : [];
      const summary = {
        file,
        vocabSize: tok.vocabSize,
        normal: count(1),
        control: data.pieces.filter((_, i) => data.types[i] === 3),
        bytes: count(6),
        special: {
          unk: data.pieces[data.special.unk],
          bos: data.pieces[data.special.bos],
          eos: data.pieces[data.special.eos],
          pad: data.special.pad === null ? null : data.pieces[data.special.pad],
        },
        training: data.training,
        corpus: data.corpus,
      };
      if (wantsJson(command)) return printJson(n > 0 ? { ...summary, pieces: listed } : summary);
      printFields({
        file,
        "vocab size": `${tok.vocabSize} (${summary.normal} pieces, ${summary.bytes} bytes, ${summary.control.length} control, 1 unknown)`,
        special: summary.special,
        control: summary.control,
        training: data.training
          ? `bpe, vocab ${data.training.vocabSize}, coverage ${data.training.characterCoverage}, max piece ${data.training.maxPieceLength}`
          : "not trained here",
        corpus: data.corpus.map((c) => `${c.name} (${formatBytes(c.bytes)}, sha256 ${c.sha256.slice(0, 12)}…)`),
      });
      if (listed.length) process.stdout.write(`${listed.map((p) => JSON.stringify(p)).join(" ")}\n`);
    }),
  );

  jsonOption(
    tokenizer
      .command("encode <file> [text]")
      .description("print the token ids of TEXT (or of stdin), as llama.cpp's tokenize gives them")
      .option("--bos", "prepend the BOS token")
      .option("--pieces", "print the pieces as well"),
  ).action(
    runAction(async (command, file: string, text: string | undefined) => {
      const { loadTokenizer } = await import("../../train/tokenizer/index.js");
      const tok = await loadTokenizer(file);
      const input = text ?? (await readStdin());
      const o = command.opts<{ bos?: boolean; pieces?: boolean }>();
      const ids = tok.encode(input, { addBos: Boolean(o.bos) });
      if (wantsJson(command)) return printJson({ ids, pieces: ids.map((id) => tok.piece(id)) });
      process.stdout.write(`${ids.join(" ")}\n`);
      if (o.pieces) process.stdout.write(`${ids.map((id) => JSON.stringify(tok.piece(id))).join(" ")}\n`);
    }),
  );

  jsonOption(
    tokenizer
      .command("decode <file> <ids...>")
      .description("print the text of token ids (control tokens are dropped unless --special)")
      .option("--special", "render control tokens as their text"),
  ).action(
    runAction(async (command, file: string, ids: string[]) => {
      const { loadTokenizer } = await import("../../train/tokenizer/index.js");
      const tok = await loadTokenizer(file);
      const numbers = ids
        .flatMap((s) => s.split(/[\s,]+/).filter(Boolean))
        .map((s) => parseNumber(s, "token id", { integer: true }));
      const text = tok.decode(numbers, { special: Boolean(command.opts<{ special?: boolean }>().special) });
      if (wantsJson(command)) return printJson({ text });
      process.stdout.write(`${text}\n`);
    }),
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseNumber(text: string, flag: string, options: { integer?: boolean } = {}): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || (options.integer && !Number.isInteger(value))) {
    throw new LlmopsError("usage", `${flag} must be ${options.integer ? "an integer" : "a number"}, not '${text}'`, {
      param: flag,
    });
  }
  return value;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new LlmopsError("usage", "give the text to encode as an argument or on stdin");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** One status line on stderr, drawn only at a terminal and at most ten times a second. */
class ProgressLine {
  private readonly enabled = Boolean(process.stderr.isTTY);
  private last = 0;

  show(p: TrainProgress): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 100) return;
    this.last = now;
    const [fraction, label] =
      p.phase === "count"
        ? [
            p.bytesRead / Math.max(1, p.totalBytes),
            `counting ${formatBytes(p.bytesRead)} / ${formatBytes(p.totalBytes)}`,
          ]
        : [p.pieces / Math.max(1, p.maxPieces), `learning pieces: ${p.pieces} / ${p.maxPieces}`];
    const width = 30;
    const filled = Math.round(Math.min(1, fraction) * width);
    process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${label}\u001b[K`);
  }

  clear(): void {
    if (this.enabled && this.last > 0) process.stderr.write("\r\u001b[K");
  }
}
