// javascript: a custom check written in JavaScript. Either inline (`value`: an expression such as
// `output.length < 50`, or a function body with `return`), run in a separate V8 context with a time
// limit, or a module (`file: checks.mjs`, `export: name`, default export otherwise) run in a worker
// thread that is terminated when it overruns. It receives (output, context) where context holds
// vars, prompt and the response's numbers, and returns a boolean, a score in [0, 1] (passes at
// ≥ threshold, default 0.5) or {pass, score?, reason?}. Throwing, timing out or returning anything
// else fails the assertion with the reason — it never stops the run.
//
// These limits guard against mistakes (an infinite loop, a typo), not malice: a suite's JavaScript
// is code you chose to run, like a test file.
import path from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { Worker } from "node:worker_threads";
import { z } from "zod";
import { invalidRequest } from "../../errors.js";
import type { Assertion, AssertionContext, GradingResult } from "../types.js";
import { parseSpec, passFail } from "./helpers.js";

const schema = z
  .object({
    value: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    export: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(1).max(120_000).optional(),
    threshold: z.number().optional(),
  })
  .refine((c) => (c.value === undefined) !== (c.file === undefined), "needs either value (inline code) or file");

type Config =
  | { kind: "inline"; script: vm.Script; timeoutMs: number; threshold: number }
  | { kind: "file"; file: string; exportName: string; timeoutMs: number; threshold: number };

/** Turns whatever the function returned into a GradingResult. */
export function toGrading(value: unknown, threshold: number): GradingResult {
  if (typeof value === "boolean") return passFail(value, `custom check returned ${value}`);
  if (typeof value === "number" && Number.isFinite(value)) {
    const score = Math.max(0, Math.min(1, value));
    return {
      pass: value >= threshold,
      score,
      reason: `custom score ${value} ${value >= threshold ? "≥" : "<"} ${threshold}`,
    };
  }
  if (value !== null && typeof value === "object" && typeof (value as { pass?: unknown }).pass === "boolean") {
    const v = value as { pass: boolean; score?: unknown; reason?: unknown };
    const score =
      typeof v.score === "number" && Number.isFinite(v.score) ? Math.max(0, Math.min(1, v.score)) : v.pass ? 1 : 0;
    return {
      pass: v.pass,
      score,
      reason: typeof v.reason === "string" ? v.reason : `custom check returned pass: ${v.pass}`,
    };
  }
  return passFail(
    false,
    `custom check must return a boolean, a number or {pass, score, reason}; it returned ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function plainContext(ctx: AssertionContext): Record<string, unknown> {
  // A structured-clone-safe copy: the worker (and the sandbox) get data, not our objects.
  return JSON.parse(
    JSON.stringify({
      vars: ctx.vars,
      prompt: ctx.prompt,
      latencyMs: ctx.response.latencyMs,
      promptTokens: ctx.response.promptTokens,
      completionTokens: ctx.response.completionTokens,
      logprobs: ctx.response.logprobs ?? null,
    }),
  ) as Record<string, unknown>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(new Error(`timed out after ${ms} ms`));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  try {
    const mod = await import(workerData.url);
    const fn = mod[workerData.exportName];
    if (typeof fn !== "function") throw new Error("export '" + workerData.exportName + "' of " + workerData.file + " is not a function");
    const value = await fn(workerData.output, workerData.context);
    parentPort.postMessage({ ok: true, value: JSON.parse(JSON.stringify(value === undefined ? null : value)) });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: error && error.message ? error.message : String(error) });
  }
})();
`;

function runInWorker(
  config: Extract<Config, { kind: "file" }>,
  output: string,
  context: Record<string, unknown>,
): Promise<unknown> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      url: pathToFileURL(config.file).href,
      file: config.file,
      exportName: config.exportName,
      output,
      context,
    },
    resourceLimits: { maxOldGenerationSizeMb: 256 },
  });
  const result = new Promise<unknown>((resolve, reject) => {
    worker.once("message", (m: { ok: boolean; value?: unknown; error?: string }) =>
      m.ok ? resolve(m.value) : reject(new Error(m.error)),
    );
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the check's worker exited (code ${code})`)));
  });
  return withTimeout(result, config.timeoutMs, () => void worker.terminate()).finally(() => void worker.terminate());
}

export const javascript: Assertion<Config> = {
  type: "javascript",
  description: "custom JavaScript check (inline expression/body, or file + export) with a time limit",
  parse(spec) {
    const c = parseSpec("javascript", schema, spec);
    const timeoutMs = c.timeoutMs ?? 5000;
    const threshold = c.threshold ?? 0.5;
    if (c.file !== undefined) {
      const baseDir = typeof spec.baseDir === "string" ? spec.baseDir : process.cwd();
      return {
        kind: "file",
        file: path.resolve(baseDir, c.file),
        exportName: c.export ?? "default",
        timeoutMs,
        threshold,
      };
    }
    const code = c.value as string;
    // An expression (`output.length < 50`) or, if that does not compile, a function body.
    const wrap = (body: string) => `(async function (output, context) {\n${body}\n})(__output, __context)`;
    let script: vm.Script;
    try {
      script = new vm.Script(wrap(`return (${code}\n);`), { filename: "javascript-assertion.js" });
    } catch {
      try {
        script = new vm.Script(wrap(code), { filename: "javascript-assertion.js" });
      } catch (error) {
        throw invalidRequest(`assertion 'javascript': the code does not compile (${(error as Error).message})`);
      }
    }
    return { kind: "inline", script, timeoutMs, threshold };
  },
  async evaluate(config, ctx) {
    const context = plainContext(ctx);
    try {
      if (config.kind === "file") return toGrading(await runInWorker(config, ctx.output, context), config.threshold);
      // The synchronous part is bounded by vm's timeout; the promise it returns by withTimeout.
      const sandbox = vm.createContext({ __output: ctx.output, __context: context });
      const returned = config.script.runInContext(sandbox, { timeout: config.timeoutMs }) as Promise<unknown>;
      return toGrading(await withTimeout(returned, config.timeoutMs, () => {}), config.threshold);
    } catch (error) {
      return passFail(false, `custom check failed: ${(error as Error).message}`);
    }
  },
};
