// The drift monitor inside `llmops up` / `llmops gateway`: takes the gateway's per-request feature
// inputs (see gateway/policy/monitor-stage.ts), computes and writes feature rows in batches off the
// request path, runs the drift check on a schedule, stores each result and publishes it in /metrics
// (llmops_drift_score{feature}, llmops_drift_detected{feature}). Other periodic work (the alert
// evaluator) rides on the same schedule through `afterCheck`.
import { Gauge, type Registry } from "prom-client";
import type { BatchedRecorder, BatchedRecorderOptions } from "../../gateway/request-log.js";
import type { MetadataStore } from "../../store/metadata/types.js";
import { type DriftReport, runDriftCheck } from "./check.js";
import type { DriftConfig } from "./config.js";
import { extractFeatures, type FeatureInput } from "./features.js";
import { insertFeatures, saveDriftCheck } from "./store.js";

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
  const recorder = options.batch<FeatureInput>(
    async (inputs) => {
      const rows = [];
      for (const input of inputs) {
        let embedding: number[] | undefined;
        if (embed !== undefined && input.prompt !== "") {
          embedding = await embed(input.prompt).then(
            (v) => Array.from(v, (x) => Math.round(x * 1e6) / 1e6),
            () => undefined,
          );
        }
        // The text is dropped here: only the computed numbers are stored.
        rows.push(extractFeatures({ ...input, embedding }));
      }
      await insertFeatures(store, rows);
    },
    {
      maxBatch: options.maxBatch ?? 200,
      flushMs: options.flushMs ?? 1000,
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
      const report = await runDriftCheck(store, config, now ?? new Date());
      await saveDriftCheck(store, report, config.keep_checks);
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
