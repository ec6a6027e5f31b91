// The drift monitor inside `llmops up` / `llmops gateway`: takes the gateway's per-request feature
// inputs (see gateway/policy/monitor-stage.ts), computes and writes feature rows in batches off the
// request path, runs the drift check on a schedule, stores each result and publishes it in /metrics
// (llmops_drift_score{feature}, llmops_drift_detected{feature}). Other periodic work (the alert
// evaluator) rides on the same schedule through `afterCheck`.
import { Gauge, type Registry } from "prom-client";
import type { BatchedRecorder, BatchedRecorderOptions } from "../../gateway/request-log.js";
import type { MetadataStore } from "../../store/metadata/types.js";
import type { DriftReport } from "./check.js";
import type { DriftConfig } from "./config.js";
import type { FeatureInput } from "./features.js";
import { checkAndSaveDrift, storeFeatures } from "./store.js";

export interface DriftLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** The gateway's batched writer (createBatchedRequestRecorder), passed in: monitor is a domain module. */
export type BatchFactory = <Row>(
  write: (rows: Row[]) => Promise<void>,
  options: BatchedRecorderOptions,
) => BatchedRecorder<Row>;

export interface DriftMonitorOptions {
  store: MetadataStore;
  batch: BatchFactory;
  config: DriftConfig;
  registry?: Registry | undefined;
  log: DriftLog;
  /** Embeds a prompt (monitoring.drift.embedding_model); failures leave the row without an embedding. */
  embed?: ((text: string) => Promise<Float32Array>) | undefined;
  /** Runs after every scheduled check (alerts), with that check's report. */
  afterCheck?: ((report: DriftReport) => Promise<void>) | undefined;
  /**
   * Computes and stores the features of a batch of plain inputs (default: storeFeatures on `store`,
   * in this thread). `llmops gateway` passes the background writer thread's job instead.
   */
  storeFeatures?: ((inputs: FeatureInput[]) => Promise<void>) | undefined;
  /** Runs and saves one check (default: checkAndSaveDrift on `store`); the gateway runs it in its writer thread. */
  check?: ((config: DriftConfig, now: Date) => Promise<DriftReport>) | undefined;
  /** Feature rows waiting beyond this are written at once (default 200). */
  maxBatch?: number;
  flushMs?: number;
}

export interface DriftMonitor {
  /** Queues one request's inputs; never throws, never waits (the gateway stage calls it). */
  record(input: FeatureInput): void;
  /** Writes queued rows, runs a check now, stores and publishes it. */
  checkNow(now?: Date): Promise<DriftReport>;
  /** Writes every queued row. */
  flush(): Promise<void>;
  readonly latest: DriftReport | undefined;
  close(): Promise<void>;
}

function gauge(registry: Registry, name: string, help: string): Gauge<"feature"> {
  const existing = registry.getSingleMetric(name) as Gauge<"feature"> | undefined;
  return existing ?? new Gauge({ name, help, labelNames: ["feature"], registers: [registry] });
}

export function startDriftMonitor(options: DriftMonitorOptions): DriftMonitor {
  const { store, config, log } = options;
  const embed = options.embed;
  const writeFeatures = options.storeFeatures ?? ((inputs: FeatureInput[]) => storeFeatures(store, inputs));
  const check = options.check ?? ((c: DriftConfig, now: Date) => checkAndSaveDrift(store, c, now));
  const recorder = options.batch<FeatureInput>(
    async (inputs) => {
      // Plain copies: reading prompt/output runs the stage's lazy getters here, in the batch, and the
      // copies can cross to a writer thread. Features themselves are computed where they are stored.
      const plain: FeatureInput[] = [];
      for (const input of inputs) {
        const sample: FeatureInput = {
          id: input.id,
          at: input.at,
          model: input.model,
          status: input.status,
          prompt: input.prompt,
          promptTokens: input.promptTokens,
          output: input.output,
          outputTokens: input.outputTokens,
        };
        if (embed !== undefined && sample.prompt !== "") {
          sample.embedding = await embed(sample.prompt).then(
            (v) => Array.from(v, (x) => Math.round(x * 1e6) / 1e6),
            () => undefined,
          );
        }
        plain.push(sample);
      }
      await writeFeatures(plain);
    },
    {
      maxBatch: options.maxBatch ?? 200,
      // Short: queued inputs hold the request bodies, which should die young.
      flushMs: options.flushMs ?? 200,
      maxQueue: 20_000,
      onError: (error, dropped) => log.error({ err: error, dropped }, "could not write drift feature rows"),
    },
  );
  const score =
    options.registry &&
    gauge(
      options.registry,
      "llmops_drift_score",
      "Last drift check's value per feature: a p-value for ks/chi_squared (drift when below the threshold), else a distance (drift when above).",
    );
  const detected =
    options.registry &&
    gauge(options.registry, "llmops_drift_detected", "1 when the last drift check found drift in the feature, else 0.");
  const lastCheck =
    options.registry &&
    ((options.registry.getSingleMetric("llmops_drift_last_check_timestamp_seconds") as Gauge | undefined) ??
      new Gauge({
        name: "llmops_drift_last_check_timestamp_seconds",
        help: "When the last drift check ran (Unix seconds).",
        registers: [options.registry],
      }));

  let latest: DriftReport | undefined;
  let running: Promise<DriftReport> | undefined;
  const checkNow = (now?: Date): Promise<DriftReport> => {
    // One check at a time: a slow check is awaited, not run twice.
    running ??= (async () => {
      await recorder.flush();
      const report = await check(config, now ?? new Date());
      latest = report;
      for (const f of report.features) {
        if (f.score !== null) score?.set({ feature: f.feature }, f.score);
        detected?.set({ feature: f.feature }, f.drifted ? 1 : 0);
      }
      lastCheck?.set(Date.parse(report.at) / 1000);
      const drifted = report.features.filter((f) => f.drifted).map((f) => f.feature);
      if (drifted.length > 0) log.warn({ drift: drifted, check: report.id }, `drift detected in ${drifted.join(", ")}`);
      return report;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = async () => {
    try {
      const report = await checkNow();
      await options.afterCheck?.(report);
    } catch (error) {
      log.error({ err: error }, "the scheduled drift check failed; it runs again at the next interval");
    }
  };
  const timer = setInterval(() => void tick(), config.interval);
  timer.unref();

  return {
    record: (input) => recorder.record(input),
    checkNow,
    flush: () => recorder.flush(),
    get latest() {
      return latest;
    },
    async close() {
      clearInterval(timer);
      await running?.catch(() => {});
      await recorder.close();
    },
  };
}
