// Worker overhead: generation tokens/s through the worker's HTTP API (JSON and SSE) against raw
// node-llama-cpp on the same GGUF with the same thread count, in alternating rounds so drift in the
// machine's speed hits both sides alike. The worker runs in its own process, as in production.
//
//   npm run build && node dist/bench/worker.js [--rounds 7] [--tokens 256] [--threads 1]
//
// The model is writeTinyLlama's "small" preset in Q8_0 (random weights); control tokens are banned
// on the HTTP side (logit_bias) and EOG tokens are generated through on the raw side, so both make
// exactly --tokens tokens per request. Target: HTTP ≥ 95% of raw.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { TOKEN_TYPE, writeTinyLlama } from "../src/formats/gguf/index.js";
import { startWorker } from "../src/serve/worker-server.js";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    tokens: { type: "string", default: "256" },
    threads: { type: "string", default: "1" },
    serve: { type: "string" },
  },
});
const threads = Number(args.threads);
const tokens = Number(args.tokens);
const rounds = Number(args.rounds);

/** Child mode: serve the model and print the URL. */
async function serve(modelPath: string): Promise<void> {
  const worker = await startWorker({ modelPath, modelName: "bench", threads, port: 0, contextSize: 512 });
  process.stdout.write(`${JSON.stringify({ url: worker.url })}\n`);
  const stop = async () => {
    await worker.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

async function startChild(modelPath: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), "--serve", modelPath, "--threads", String(threads)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  for await (const line of lines) {
    const parsed = JSON.parse(line) as { url?: string };
    if (parsed.url) return { url: parsed.url, child };
  }
  throw new Error("the worker process exited before it was ready");
}

/** CPU seconds a process has used (Linux /proc; clock ticks are 1/100 s), or null elsewhere. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

const pct2 = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "llmops-bench-worker-"));
  const modelPath = path.join(dir, "small-q8_0.gguf");
  let child: ChildProcess | undefined;
  try {
    const written = await writeTinyLlama(modelPath, { type: "Q8_0", preset: "small", seed: 7 });
    const banned = Object.fromEntries(
      written.vocab.tokenTypes.flatMap((type, id) => (type === TOKEN_TYPE.CONTROL ? [[String(id), -100]] : [])),
    );
    const { url, child: c } = await startChild(modelPath);
    child = c;

    const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({ contextSize: 512, threads });
    const sequence = context.getSequence();
    const promptText = "The quick brown fox jumps over the lazy dog.";
    const prompt = [model.tokens.bos as Token, ...model.tokenize(promptText, false)];

    const raw = async (): Promise<number> => {
      const t0 = performance.now();
      await sequence.clearHistory();
      let n = 0;
      for await (const _ of sequence.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
        if (++n >= tokens) break;
      }
      return n / ((performance.now() - t0) / 1000);
    };

    const http = async (stream: boolean): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${url}/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "bench",
          prompt: prompt.map(Number),
          max_tokens: tokens,
          temperature: 0,
          logit_bias: banned,
          stream,
          ...(stream ? { stream_options: { include_usage: true } } : {}),
        }),
      });
      const text = await res.text();
      const elapsed = (performance.now() - t0) / 1000;
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
      const usageJson = stream
        ? (text
            .split("\n\n")
            .filter((l) => l.startsWith("data: {"))
            .at(-1)
            ?.slice(6) ?? "{}")
        : text;
      const generated = (JSON.parse(usageJson) as { usage?: { completion_tokens?: number } }).usage?.completion_tokens;
      if (generated !== tokens) throw new Error(`expected ${tokens} tokens, the worker generated ${generated}`);
      return generated / elapsed;
    };

    // Warm-up: page the model in on both sides, JIT the hot paths.
    await raw();
    await http(false);
    await http(true);

    const results = { raw: [] as number[], json: [] as number[], sse: [] as number[] };
    // CPU used per request (this process for raw, the worker process for HTTP): robust to other
    // load on the machine, which moves wall-clock numbers a lot on small shared boxes.
    const cpu = { raw: 0, json: 0, sse: 0 };
    let cpuKnown = processCpuSeconds(child.pid) !== null;
    for (let r = 0; r < rounds; r++) {
      // Alternate the order so neither side always runs first after a pause.
      const order = r % 2 === 0 ? (["raw", "json", "sse"] as const) : (["sse", "json", "raw"] as const);
      for (const kind of order) {
        const before = kind === "raw" ? process.cpuUsage() : null;
        const childBefore = kind === "raw" ? null : processCpuSeconds(child.pid);
        const v = kind === "raw" ? await raw() : await http(kind === "sse");
        if (before) {
          const used = process.cpuUsage(before);
          cpu.raw += (used.user + used.system) / 1e6;
        } else {
          const childAfter = processCpuSeconds(child.pid);
          if (childBefore === null || childAfter === null) cpuKnown = false;
          else cpu[kind] += childAfter - childBefore;
        }
        results[kind].push(v);
      }
      console.log(
        `round ${r + 1}/${rounds}: raw ${results.raw.at(-1)?.toFixed(1)} tok/s, HTTP JSON ${results.json
          .at(-1)
          ?.toFixed(1)} tok/s, HTTP SSE ${results.sse.at(-1)?.toFixed(1)} tok/s`,
      );
    }
    const rawMed = median(results.raw);
    const jsonMed = median(results.json);
    const sseMed = median(results.sse);
    const pct = (x: number) => `${((100 * x) / rawMed).toFixed(1)}%`;
    console.log(
      `\nmodel: writeTinyLlama small Q8_0 (${(statSync(modelPath).size / 1e6).toFixed(1)} MB), threads ${threads}, ${tokens} tokens/request, prompt ${prompt.length} tokens, ${rounds} rounds (medians)`,
    );
    console.log(`raw node-llama-cpp : ${rawMed.toFixed(1)} tok/s`);
    console.log(`worker HTTP (JSON) : ${jsonMed.toFixed(1)} tok/s  = ${pct(jsonMed)} of raw`);
    console.log(`worker HTTP (SSE)  : ${sseMed.toFixed(1)} tok/s  = ${pct(sseMed)} of raw`);
    const perToken = (seconds: number) => (1000 * seconds) / (rounds * tokens);
    if (cpuKnown) {
      console.log(
        `CPU per token      : raw ${perToken(cpu.raw).toFixed(3)} ms, worker JSON ${perToken(cpu.json).toFixed(3)} ms, worker SSE ${perToken(cpu.sse).toFixed(3)} ms (raw/worker: JSON ${pct2(cpu.raw, cpu.json)}, SSE ${pct2(cpu.raw, cpu.sse)})`,
      );
    }
    console.log(
      JSON.stringify({
        bench: "worker",
        threads,
        tokens,
        rounds,
        rawTokPerSec: +rawMed.toFixed(1),
        httpJsonTokPerSec: +jsonMed.toFixed(1),
        httpSseTokPerSec: +sseMed.toFixed(1),
        jsonRatio: +(jsonMed / rawMed).toFixed(3),
        sseRatio: +(sseMed / rawMed).toFixed(3),
        ...(cpuKnown
          ? {
              cpuMsPerToken: {
                raw: +perToken(cpu.raw).toFixed(4),
                json: +perToken(cpu.json).toFixed(4),
                sse: +perToken(cpu.sse).toFixed(4),
              },
            }
          : {}),
      }),
    );
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.serve) await serve(args.serve);
else await main();
