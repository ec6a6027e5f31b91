// Runs a parsed pipeline over a stored version into a new version. Rows stream through the steps
// one at a time (memory: one batch, plus whatever indexes the steps keep — the dedup steps
// document theirs); every step's rows in/out, drops per reason and time are counted. The output
// version is recorded last, so a failed or killed run, or one whose validation rules fail,
// leaves no version behind.
import { performance } from "node:perf_hooks";
import { LlmopsError } from "../../errors.js";
import type { DatasetStore } from "../datasets.js";
import { parseDatasetRef } from "../refs.js";
import { type ValidationReport, Validator } from "../report/rules.js";
import type { DatasetVersion, JsonValue, Row, StepReport } from "../types.js";
import type { ParsedPipeline } from "./spec.js";
import { Dropped, type StepContext, type StepInstance } from "./step.js";

export interface RunPipelineInput {
  pipeline: ParsedPipeline;
  /** Input version (`name@N`); overrides the pipeline's `input`. */
  input?: string | undefined;
  /** Output dataset name; overrides the pipeline's `output`. */
  output?: string | undefined;
  actor: string;
  env?: Readonly<Record<string, string | undefined>> | undefined;
  resolveModelFile?: ((ref: string) => Promise<string>) | undefined;
  shardBytes?: number | undefined;
  /** Encrypt the output at rest; default: encrypted when the input is (never silently decrypts). */
  encrypt?: boolean | undefined;
  onProgress?: ((progress: { rows: number; total: number }) => void) | undefined;
}

export interface PipelineResult {
  /** The new version; null when validation failed (nothing was recorded). */
  version: DatasetVersion | null;
  input: DatasetVersion;
  steps: StepReport[];
  validation: ValidationReport | null;
  seconds: number;
}

export async function runPipeline(datasets: DatasetStore, run: RunPipelineInput): Promise<PipelineResult> {
  const { pipeline } = run;
  const inputRef = run.input ?? pipeline.input;
  if (!inputRef) {
    throw new LlmopsError("usage", "Name the input version with --input NAME@VERSION or `input:` in the pipeline.", {
      param: "--input",
    });
  }
  const outputName = run.output ?? pipeline.output;
  if (!outputName) {
    throw new LlmopsError("usage", "Name the output dataset with --output NAME or `output:` in the pipeline.", {
      param: "--output",
    });
  }
  parseDatasetRef(outputName);
  if (outputName.includes("@")) {
    throw new LlmopsError("usage", `--output is a dataset name without a version (got '${outputName}').`, {
      param: "--output",
    });
  }
  const input = await datasets.resolve(inputRef);
  const textField = pipeline.textField ?? input.textField ?? "text";
  const context: StepContext = {
    textField,
    env: run.env ?? process.env,
    resolveModelFile: run.resolveModelFile,
  };
  const started = performance.now();
  const instances: StepInstance[] = [];
  const writer =
    (run.encrypt ?? pipeline.encrypt ?? input.encrypted)
      ? await datasets.openSealedWriter(outputName, run.actor, { shardBytes: run.shardBytes })
      : datasets.openWriter({ shardBytes: run.shardBytes });
  try {
    for (const { step, options } of pipeline.steps) instances.push(await step.create(options, context));
    const n = instances.length;
    const rowsIn = new Array<number>(n).fill(0);
    const rowsOut = new Array<number>(n).fill(0);
    const time = new Array<number>(n).fill(0);
    const dropped: Array<Record<string, number>> = instances.map(() => ({}));
    const validator = pipeline.rules ? new Validator(pipeline.rules, textField) : null;
    let seen = 0;
    for await (const batch of datasets.iterate(input, 0, { actor: run.actor, purpose: "pipeline" })) {
      for (const item of batch) {
        let row: Row = item.row;
        let kept = true;
        for (let i = 0; i < n; i++) {
          rowsIn[i]!++;
          const t0 = performance.now();
          let result = instances[i]!.process(row);
          if (result instanceof Promise) result = await result;
          time[i]! += performance.now() - t0;
          if (result instanceof Dropped) {
            dropped[i]![result.reason] = (dropped[i]![result.reason] ?? 0) + 1;
            kept = false;
            break;
          }
          rowsOut[i]!++;
          row = result;
        }
        if (kept) {
          validator?.observe(row, writer.nextAddress());
          const wait = writer.write(row);
          if (wait) await wait;
        }
      }
      seen += batch.length;
      run.onProgress?.({ rows: seen, total: input.rowCount });
    }
    const steps: StepReport[] = pipeline.steps.map(({ step, options }, i) => ({
      step: step.name,
      options,
      rowsIn: rowsIn[i]!,
      rowsOut: rowsOut[i]!,
      dropped: dropped[i]!,
      seconds: Math.round(time[i]!) / 1000,
      stats: (instances[i]!.stats?.() ?? {}) as Record<string, JsonValue>,
    }));
    const validation = validator?.report() ?? null;
    const seconds = Math.round(performance.now() - started) / 1000;
    if (validation && !validation.passed) {
      await writer.abort();
      return { version: null, input, steps, validation, seconds };
    }
    const version = await writer.commit({
      name: outputName,
      actor: run.actor,
      description: pipeline.description ?? undefined,
      textField,
      lineage: {
        input: { ref: input.ref, id: input.id, contentHash: input.contentHash },
        pipeline: { name: pipeline.name, sha256: pipeline.sha256, yaml: pipeline.yaml },
        steps,
      },
      stats: { rows_in: input.rowCount, rows_out: writer.rows, seconds },
    });
    return { version, input, steps, validation, seconds };
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    for (const instance of instances) await instance.close?.();
  }
}
