// The scale-out deployment artefacts, checked offline: the Helm chart renders (with our renderer)
// to manifests that validate against Kubernetes' own schemas, the NetworkPolicy and autoscalers say
// what the docs promise, the Dockerfile passes static checks and names entrypoints that work.
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type RenderedDocument, renderChart } from "../src/deploy/chart.js";
import { contextCopySources, lintDockerfile, parseDockerfile } from "../src/deploy/dockerfile.js";
import { validateManifests } from "../src/deploy/validate.js";
import { createGatewayMetrics } from "../src/gateway/metrics.js";
import { createWorkerMetrics } from "../src/serve/worker-metrics.js";
import { cleanEnv, REPO_ROOT, runCli } from "./helpers/cli.js";

const CHART = path.join(REPO_ROOT, "deploy/helm/llmops");
const STORES = ["database.url=postgres://llmops:secret@db:5432/llmops", "artifacts.url=s3://models/llmops"];
const EVERYTHING_ON = [
  ...STORES,
  "serviceMonitor.enabled=true",
  "ingress.enabled=true",
  "postgresql.enabled=true",
  "bundledRedis.enabled=true",
  "adminKey=0123456789abcdef0123",
  "artifacts.s3.accessKeyId=AKIAEXAMPLE",
  "artifacts.s3.secretAccessKey=secret",
];

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are untyped YAML, read only in assertions
type K8sObject = Record<string, any>;
const find = (docs: RenderedDocument[], kind: string, name: string): K8sObject => {
  const doc = docs.find((d) => d.object.kind === kind && (d.object.metadata as { name: string }).name === name);
  if (doc === undefined)
    throw new Error(
      `no ${kind}/${name} in ${docs.map((d) => `${d.object.kind}/${(d.object.metadata as { name: string }).name}`)}`,
    );
  return doc.object as K8sObject;
};

describe("Helm chart", () => {
  it("renders valid Kubernetes objects with the default values", async () => {
    const { documents } = await renderChart({ chartDir: CHART, set: STORES });
    expect(await validateManifests(documents)).toEqual([]);
    const kinds = documents.map((d) => d.object.kind);
    for (const kind of [
      "Deployment",
      "Service",
      "ConfigMap",
      "Secret",
      "HorizontalPodAutoscaler",
      "PodDisruptionBudget",
      "NetworkPolicy",
    ]) {
      expect(kinds).toContain(kind);
    }
    // Optional parts are off by default.
    expect(kinds).not.toContain("StatefulSet");
    expect(kinds).not.toContain("ServiceMonitor");
  });

  it("renders valid objects with every optional part on", async () => {
    const { documents, yaml } = await renderChart({
      chartDir: CHART,
      set: EVERYTHING_ON,
      releaseName: "prod",
      namespace: "ml",
    });
    expect(await validateManifests(documents)).toEqual([]);
    for (const [kind, name] of [
      ["ServiceMonitor", "prod-llmops-gateway"],
      ["PodMonitor", "prod-llmops-worker"],
      ["StatefulSet", "prod-llmops-postgresql"],
      ["Deployment", "prod-llmops-redis"],
      ["Ingress", "prod-llmops"],
    ] as const) {
      find(documents, kind, name);
    }
    expect(yaml).toContain("# Source: llmops/templates/gateway.yaml");
    const secret = find(documents, "Secret", "prod-llmops-secrets");
    expect(secret.stringData["database-url"]).toBe("postgres://llmops:llmops@prod-llmops-postgresql:5432/llmops");
    expect(secret.stringData["redis-url"]).toBe("redis://prod-llmops-redis:6379");
  });

  it("isolates workers: only the gateway and control plane of the release reach their port", async () => {
    const { documents } = await renderChart({ chartDir: CHART, set: STORES });
    const policy = find(documents, "NetworkPolicy", "llmops-workers");
    expect(policy.spec.podSelector.matchLabels["app.kubernetes.io/component"]).toBe("worker");
    expect(policy.spec.policyTypes).toEqual(["Ingress"]);
    const [rule] = policy.spec.ingress;
    expect(policy.spec.ingress).toHaveLength(1);
    expect(rule.from.map((f: K8sObject) => f.podSelector.matchLabels["app.kubernetes.io/component"]).sort()).toEqual([
      "control-plane",
      "gateway",
    ]);
    expect(rule.ports).toEqual([{ protocol: "TCP", port: 8100 }]);
    // The worker pods carry the label the policy selects, and announce their pod IP.
    const worker = find(documents, "Deployment", "llmops-worker-tiny");
    expect(worker.spec.template.metadata.labels["app.kubernetes.io/component"]).toBe("worker");
    const args: string[] = worker.spec.template.spec.containers[0].args;
    expect(args.slice(0, 3)).toEqual(["worker", "--model", "llmops-tiny@production"]);
    expect(args[args.indexOf("--advertise-url") + 1]).toBe("http://$(POD_IP):8100/v1");
  });

  it("autoscales on CPU and on metrics that the gateway and workers really export", async () => {
    const { documents } = await renderChart({ chartDir: CHART, set: STORES });
    const exported = new Set<string>();
    const worker = createWorkerMetrics("m@1", () => ({ slots: 1, busySlots: 0, queued: 0 }) as never);
    for (const m of await worker.registry.getMetricsAsJSON()) exported.add(m.name);
    const gateway = createGatewayMetrics(undefined, () => new Map());
    for (const m of await gateway.registry.getMetricsAsJSON()) exported.add(m.name);
    const hpas = documents.filter((d) => d.object.kind === "HorizontalPodAutoscaler").map((d) => d.object as K8sObject);
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(["llmops-gateway", "llmops-worker-tiny"]);
    for (const hpa of hpas) {
      const types = hpa.spec.metrics.map((m: K8sObject) => m.type);
      expect(types).toContain("Resource");
      for (const m of hpa.spec.metrics.filter((x: K8sObject) => x.type === "Pods")) {
        expect(exported, `HPA ${hpa.metadata.name} scales on ${m.pods.metric.name}`).toContain(m.pods.metric.name);
      }
      expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(60);
    }
    // The autoscaler owns the replica count when it is on.
    expect(find(documents, "Deployment", "llmops-gateway").spec.replicas).toBeUndefined();
  });

  it("refuses to render without shared stores, and reports values that make invalid objects", async () => {
    await expect(renderChart({ chartDir: CHART })).rejects.toThrow(/set database\.url/);
    await expect(renderChart({ chartDir: CHART, set: [STORES[0]!] })).rejects.toThrow(/set artifacts\.url/);
    const bad = await renderChart({
      chartDir: CHART,
      set: [...STORES, "gateway.port=http", "gateway.autoscaling.enabled=false"],
    });
    const problems = await validateManifests(bad.documents);
    expect(problems.some((p) => p.kind === "Deployment" && /containerPort/.test(p.message))).toBe(true);
    await expect(renderChart({ chartDir: CHART, set: [...STORES], releaseName: "Bad_Name" })).rejects.toThrow(
      /release name/,
    );
    await expect(renderChart({ chartDir: CHART, set: ["=x"] })).rejects.toThrow(/key\.path=value/);
  });

  it("llmops deploy render validates, writes and honours values files", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "llmops-deploy-"));
    const values = path.join(dir, "values.yaml");
    writeFileSync(
      values,
      "database:\n  url: postgres://x@db/llmops\nartifacts:\n  url: s3://b/p\ngateway:\n  autoscaling:\n    enabled: false\n  replicas: 5\n",
    );
    const out = path.join(dir, "out.yaml");
    const result = runCli(["deploy", "render", "-f", values, "--output", out, "--json"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { documents: { kind: string; name: string }[]; validated: boolean };
    expect(summary.validated).toBe(true);
    expect(readFileSync(out, "utf8")).toMatch(/name: llmops-gateway\n[\s\S]*replicas: 5/);
    const broken = runCli(["deploy", "render", "--set", "workers.port=abc", ...STORES.flatMap((s) => ["--set", s])], {
      cwd: dir,
    });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/not valid Kubernetes objects[\s\S]*containerPort/);
    const missing = runCli(["deploy", "render", "-f", path.join(dir, "nope.yaml")], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read values file/);
  });
});

describe("Dockerfile", () => {
  const text = readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");

  it("passes the static checks: pinned images, multi-stage, non-root, exec-form entrypoint", () => {
    expect(lintDockerfile(text)).toEqual([]);
    const { stages, instructions } = parseDockerfile(text);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const final = instructions.filter((i) => i.stage === stages.length - 1);
    expect(final.find((i) => i.keyword === "USER")?.args).toBe("10001:10001");
    // The runtime stage copies build output only, never the whole context or dev tooling.
    expect(final.filter((i) => i.keyword === "COPY").every((i) => i.args.includes("--from=build"))).toBe(true);
  });

  it("the checks catch what they claim to", () => {
    const rules = lintDockerfile("FROM node:latest\nRUN apt-get install curl\nCMD node app.js\n").map((p) => p.rule);
    expect(rules).toEqual(expect.arrayContaining(["DL3007", "DL3015", "DL3009", "DL3014", "DL3025", "DL3002"]));
    expect(lintDockerfile('FROM a:1 AS x\nCOPY --from=y /a /b\nUSER 1\nCMD ["a"]').map((p) => p.rule)).toEqual([
      "DL3022",
    ]);
  });

  it("copies sources that exist and that .dockerignore does not exclude", () => {
    const ignored = readFileSync(path.join(REPO_ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"));
    for (const { source } of contextCopySources(text)) {
      expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
      expect(ignored, `${source} is excluded by .dockerignore`).not.toContain(source.replace(/^\.\//, ""));
    }
  });

  it("runs every role from exactly the files the runtime stage copies", async () => {
    // Lay out /app as the final stage does (COPY --from=build …), node_modules linked rather than
    // copied, then start the roles from there: a file the image forgets shows up here.
    const { instructions, stages } = parseDockerfile(text);
    const app = mkdtempSync(path.join(tmpdir(), "llmops-image-"));
    for (const ins of instructions.filter((i) => i.stage === stages.length - 1 && i.keyword === "COPY")) {
      const [source, target] = ins.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      const from = path.join(REPO_ROOT, source!.replace(/^\/app\/?/, ""));
      const to = path.join(app, target!.replace(/^\.\/?/, ""));
      if (source!.endsWith("node_modules")) symlinkSync(from, to);
      else cpSync(from, to, { recursive: true });
    }
    const env = { LLMOPS_HOME: path.join(app, "home"), LLMOPS_LOG_LEVEL: "warn" };
    const cli = (args: string[]) =>
      spawn(process.execPath, [path.join(app, "bin/llmops.js"), ...args], { cwd: app, env: { ...cleanEnv(), ...env } });
    const firstLine = (child: ReturnType<typeof cli>) =>
      new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout!.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) resolve(out);
        });
        child.stderr!.on("data", (d: Buffer) => {
          err += d.toString();
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
    const gateway = cli(["gateway", "--port", "0", "--json"]);
    const model = readdirSync(path.join(app, "models/llmops-tiny")).find((f) => f.endsWith(".gguf"))!;
    const worker = cli([
      "worker",
      "--model",
      path.join(app, "models/llmops-tiny", model),
      "--port",
      "0",
      "--no-announce",
      "--json",
    ]);
    try {
      const { apiUrl } = JSON.parse(await firstLine(gateway)) as { apiUrl: string };
      expect((await fetch(apiUrl.replace(/\/api\/v1$/, "/healthz"))).status).toBe(200);
      const { url } = JSON.parse(await firstLine(worker)) as { url: string };
      expect((await fetch(`${new URL(url).origin}/healthz`)).status).toBe(200);
    } finally {
      gateway.kill("SIGTERM");
      worker.kill("SIGTERM");
      rmSync(app, { recursive: true, force: true });
    }
  }, 120_000);

  it("names entrypoints that work from the built output", () => {
    const { instructions } = parseDockerfile(text);
    const entrypoint = JSON.parse(instructions.find((i) => i.keyword === "ENTRYPOINT")!.args) as string[];
    expect(entrypoint).toEqual(["node", "/app/bin/llmops.js"]);
    const cmd = JSON.parse(instructions.find((i) => i.keyword === "CMD")!.args) as string[];
    // The default command and the roles the chart runs.
    for (const verb of [cmd[0]!, "gateway", "worker"]) {
      const result = runCli([verb, "--help"], { cwd: REPO_ROOT });
      expect(result.code, `llmops ${verb} --help: ${result.stderr}`).toBe(0);
    }
  });
});
