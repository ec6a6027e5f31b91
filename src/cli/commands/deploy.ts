// `llmops deploy render | check-dockerfile | scale-advice`: Kubernetes manifests from our Helm chart
// (validated offline against the API schemas), the Dockerfile's static checks, and the autoscaling
// recommender that reads live workers' metrics.
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { invalidRequest, LlmopsError } from "../../errors.js";
import { durationMs } from "../../util/duration.js";
import { jsonOption, runAction, wantsJson } from "../context.js";
import { printJson, printTable } from "../output.js";
import { parseInteger } from "../parse.js";

/** The chart shipped with this package (deploy/helm/llmops at the project root). */
export const BUNDLED_CHART = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../deploy/helm/llmops");

const collect = (value: string, previous: string[] = []) => [...previous, value];

function seconds(text: string, flag: string): number {
  const ms = durationMs(text);
  if (!(ms > 0)) throw invalidRequest(`${flag} takes a duration such as 5s, 500ms or 1m, got '${text}'`, flag);
  return ms / 1000;
}

export function registerDeployCommands(program: Command): void {
  const deploy = program.command("deploy").description("Kubernetes manifests, image checks and autoscaling advice");

  jsonOption(
    deploy
      .command("render")
      .description("render the Helm chart to Kubernetes manifests and validate them offline")
      .option("--chart <dir>", "chart folder (default: the bundled deploy/helm/llmops)")
      .option("-f, --values <file>", "values file (repeatable; later files win)", collect, [])
      .option("--set <key=value>", "override one value (repeatable), e.g. --set gateway.replicas=3", collect, [])
      .option("--release <name>", "release name", "llmops")
      .option("-n, --namespace <ns>", "namespace", "default")
      .option("-o, --output <file>", "write the manifests here instead of stdout")
      .option("--no-validate", "skip schema validation"),
  ).action(
    runAction(async (command) => {
      const opts = command.opts<{
        chart?: string;
        values: string[];
        set: string[];
        release: string;
        namespace: string;
        output?: string;
        validate: boolean;
      }>();
      const { renderChart } = await import("../../deploy/chart.js");
      const rendered = await renderChart({
        chartDir: opts.chart ?? BUNDLED_CHART,
        valuesFiles: opts.values,
        set: opts.set,
        releaseName: opts.release,
        namespace: opts.namespace,
      });
      if (opts.validate) {
        const { validateManifests } = await import("../../deploy/validate.js");
        const problems = await validateManifests(rendered.documents);
        if (problems.length > 0) {
          const list = problems.map((p) => `  ${p.source} ${p.kind}/${p.name}: ${p.message}`).join("\n");
          throw new LlmopsError("invalid_request", `the rendered manifests are not valid Kubernetes objects:\n${list}`);
        }
      }
      if (opts.output !== undefined) await writeFile(opts.output, rendered.yaml);
      if (wantsJson(command)) {
        return printJson({
          documents: rendered.documents.map((d) => ({
            source: d.source,
            kind: d.object.kind,
            name: (d.object.metadata as { name?: string } | undefined)?.name,
          })),
          validated: opts.validate,
          output: opts.output ?? null,
        });
      }
      if (opts.output === undefined) process.stdout.write(rendered.yaml);
      else process.stderr.write(`wrote ${rendered.documents.length} manifests to ${opts.output}\n`);
    }),
  );

  jsonOption(
    deploy
      .command("check-dockerfile")
      .description("static checks of a Dockerfile (pinned images, non-root user, exec-form entrypoint, …)")
      .argument("[file]", "Dockerfile", "Dockerfile"),
  ).action(
    runAction(async (command, file: string) => {
      const { lintDockerfile } = await import("../../deploy/dockerfile.js");
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        throw invalidRequest(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
      const problems = lintDockerfile(text);
      if (wantsJson(command)) printJson({ file, problems });
      else if (problems.length === 0) process.stdout.write(`${file}: no problems\n`);
      else for (const p of problems) process.stdout.write(`${file}:${p.line} ${p.rule} ${p.message}\n`);
      if (problems.length > 0) process.exitCode = 1;
    }),
  );

  jsonOption(
    deploy
      .command("scale-advice")
      .description("how many workers each model needs now, from the workers' live metrics")
      .option("--url <url>", "control-plane base URL (LLMOPS_URL)", process.env.LLMOPS_URL ?? "http://127.0.0.1:8080")
      .option("--key <key>", "API key with models:read (LLMOPS_KEY)", process.env.LLMOPS_KEY)
      .option("--interval <duration>", "time between the two scrapes of one measurement", "5s")
      .option("--min <n>", "fewest workers per model", "1")
      .option("--max <n>", "most workers per model", "20")
      .option("--target-in-flight <n>", "requests one worker serves well at once", "1")
      .option("--ttft-slo <duration>", "time-to-first-token objective", "2s")
      .option("--scale-down-window <duration>", "scale down only below the highest advice of this window", "300s")
      .option("--watch", "keep measuring and serve the advice as Prometheus metrics")
      .option("--metrics-port <port>", "with --watch: serve /metrics here (for HPA external metrics or KEDA)", "9464"),
  ).action(
    runAction(async (command) => {
      const opts = command.opts<Record<string, string | boolean | undefined>>();
      const key = opts.key as string | undefined;
      if (!key) throw invalidRequest("pass an API key with models:read: --key llm_… or LLMOPS_KEY", "key");
      const { ScaleRecommender, DEFAULT_SCALE_POLICY } = await import("../../deploy/scale-advice.js");
      const { httpLoadSource, measureLoad } = await import("../../deploy/load-signals.js");
      const policy = {
        ...DEFAULT_SCALE_POLICY,
        minReplicas: parseInteger(String(opts.min), "--min", 0, 10_000),
        maxReplicas: parseInteger(String(opts.max), "--max", 1, 10_000),
        targetInFlightPerWorker: parseInteger(String(opts.targetInFlight), "--target-in-flight", 1, 10_000),
        ttftSloSeconds: seconds(String(opts.ttftSlo), "--ttft-slo"),
        scaleDownStabilizationSeconds: seconds(String(opts.scaleDownWindow), "--scale-down-window"),
      };
      if (policy.maxReplicas < policy.minReplicas) throw invalidRequest("--max must be at least --min", "max");
      const intervalMs = seconds(String(opts.interval), "--interval") * 1000;
      const source = httpLoadSource(String(opts.url), key);
      const recommenders = new Map<string, InstanceType<typeof ScaleRecommender>>();
      const latest = new Map<string, { current: number; desired: number }>();

      const measureOnce = async () => {
        const loads = await measureLoad(source, intervalMs, Date.now() / 1000);
        const advice = loads.map(({ model, sample }) => {
          let recommender = recommenders.get(model);
          if (recommender === undefined) {
            recommender = new ScaleRecommender(policy);
            recommenders.set(model, recommender);
          }
          const a = recommender.observe(sample);
          latest.set(model, { current: a.current, desired: a.desired });
          return { model, ...a, inFlight: sample.inFlight, queued: sample.queued, ttftP95: sample.ttftP95 };
        });
        if (wantsJson(command)) printJson({ at: new Date().toISOString(), advice });
        else if (advice.length === 0) process.stdout.write("no live workers\n");
        else
          printTable(advice, {
            MODEL: (r) => r.model,
            WORKERS: (r) => r.current,
            "IN FLIGHT": (r) => r.inFlight,
            QUEUED: (r) => r.queued,
            "TTFT P95": (r) => (r.ttftP95 === null ? "-" : `${r.ttftP95.toFixed(2)}s`),
            DESIRED: (r) => r.desired,
            WHY: (r) => r.reason,
          });
      };

      if (!opts.watch) return measureOnce();
      const port = parseInteger(String(opts.metricsPort), "--metrics-port", 0, 65535);
      const server = createServer((request, response) => {
        if (request.url !== "/metrics") {
          response.writeHead(404).end("see /metrics\n");
          return;
        }
        const lines = [
          "# HELP llmops_scale_desired_replicas Workers each model needs now (llmops deploy scale-advice).",
          "# TYPE llmops_scale_desired_replicas gauge",
          ...[...latest].map(([m, v]) => `llmops_scale_desired_replicas{model="${m}"} ${v.desired}`),
          "# HELP llmops_scale_current_replicas Live workers of each model at the last measurement.",
          "# TYPE llmops_scale_current_replicas gauge",
          ...[...latest].map(([m, v]) => `llmops_scale_current_replicas{model="${m}"} ${v.current}`),
        ];
        response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`${lines.join("\n")}\n`);
      });
      await new Promise<void>((ok) => server.listen(port, "0.0.0.0", ok));
      process.stderr.write(`serving llmops_scale_desired_replicas on :${port}/metrics\n`);
      for (;;) {
        try {
          await measureOnce();
        } catch (error) {
          process.stderr.write(`measurement failed: ${(error as Error).message}\n`);
          await new Promise((r) => setTimeout(r, intervalMs));
        }
      }
    }),
  );
}
