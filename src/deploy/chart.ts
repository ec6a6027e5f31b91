// Renders a Helm chart directory (Chart.yaml, values.yaml, templates/*.yaml and *.tpl) the way
// `helm template` does for the features our chart uses: values files merged left to right, then
// `--set a.b=c` overrides, templates rendered in name order, empty documents dropped, each
// document headed by `# Source: <chart>/templates/<file>`.
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { invalidRequest, LlmopsError } from "../errors.js";
import { createTemplateSet } from "./template/render.js";

export interface RenderOptions {
  chartDir: string;
  /** Extra values files, later ones win (like `helm template -f a.yaml -f b.yaml`). */
  valuesFiles?: string[];
  /** `key.path=value` overrides (like `--set`); values are parsed as YAML scalars. */
  set?: string[];
  releaseName?: string;
  namespace?: string;
}

export interface RenderedDocument {
  /** Template file the document came from, e.g. templates/gateway.yaml. */
  source: string;
  object: Record<string, unknown>;
}

export interface RenderedChart {
  documents: RenderedDocument[];
  /** The whole multi-document YAML stream, ready for `kubectl apply -f -`. */
  yaml: string;
  values: Record<string, unknown>;
}

type Values = Record<string, unknown>;

function isMap(value: unknown): value is Values {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Helm's coalescing: maps merge key by key, anything else (lists included) replaces. */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? mergeValues(current, value) : value;
  }
  return out;
}

/** Applies one `a.b.c=value` override (value parsed as a YAML scalar: numbers, booleans, null). */
export function applySet(values: Values, assignment: string): Values {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw invalidRequest(`--set expects key.path=value, got '${assignment}'`, "set");
  const path = assignment.slice(0, eq).split(".");
  if (path.some((p) => p === "")) throw invalidRequest(`--set has an empty key in '${assignment}'`, "set");
  const raw = assignment.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = parseYaml(raw);
  } catch {
    value = raw;
  }
  const patch: Values = {};
  let cursor = patch;
  path.forEach((key, i) => {
    if (i === path.length - 1) cursor[key] = value;
    else {
      cursor[key] = {};
      cursor = cursor[key] as Values;
    }
  });
  return mergeValues(values, patch);
}

async function readYamlMap(file: string, what: string): Promise<Values> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw invalidRequest(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw invalidRequest(`${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isMap(parsed)) throw invalidRequest(`${file} must hold a YAML mapping (key: value), not a list or scalar`);
  return parsed;
}

export async function renderChart(options: RenderOptions): Promise<RenderedChart> {
  const { chartDir } = options;
  const chart = await readYamlMap(join(chartDir, "Chart.yaml"), "the chart's Chart.yaml in");
  if (typeof chart.name !== "string") throw invalidRequest(`${chartDir}/Chart.yaml has no name`);
  let values = await readYamlMap(join(chartDir, "values.yaml"), "the chart's values.yaml in");
  for (const file of options.valuesFiles ?? []) values = mergeValues(values, await readYamlMap(file, "values file"));
  for (const assignment of options.set ?? []) values = applySet(values, assignment);

  const templatesDir = join(chartDir, "templates");
  const files = (await readdir(templatesDir)).filter((f) => f.endsWith(".yaml") || f.endsWith(".tpl")).sort();
  const set = createTemplateSet();
  const parsed = [];
  // Helpers first, so every file can include any define.
  for (const file of [...files].sort((a, b) => Number(b.endsWith(".tpl")) - Number(a.endsWith(".tpl")))) {
    parsed.push({ file, template: set.add(`templates/${file}`, await readFile(join(templatesDir, file), "utf8")) });
  }

  const releaseName = options.releaseName ?? "llmops";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(releaseName) || releaseName.length > 53) {
    throw invalidRequest(
      `release name '${releaseName}' must be lower-case letters, digits and '-', at most 53 characters`,
    );
  }
  const root = {
    Values: values,
    Release: { Name: releaseName, Namespace: options.namespace ?? "default", Service: "Helm", IsInstall: true },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    Capabilities: { KubeVersion: { Version: "v1.30.0", Major: "1", Minor: "30" } },
  };

  const documents: RenderedDocument[] = [];
  const chunks: string[] = [];
  for (const { file, template } of parsed.sort((a, b) => a.file.localeCompare(b.file))) {
    if (file.endsWith(".tpl")) continue;
    const source = `templates/${file}`;
    const text = set.render(template, { ...root, Template: { Name: `${chart.name}/${source}` } }, source);
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) {
        throw new LlmopsError(
          "invalid_request",
          `${source} rendered to invalid YAML: ${doc.errors[0]!.message.split("\n")[0]}`,
        );
      }
      const object = doc.toJS() as unknown;
      if (object === null || object === undefined) continue;
      if (!isMap(object)) throw invalidRequest(`${source} rendered a YAML document that is not a mapping`);
      documents.push({ source, object });
      chunks.push(`---\n# Source: ${chart.name}/${source}\n${doc.toString().replace(/^---\n/, "")}`);
    }
  }
  return { documents, yaml: chunks.join(""), values };
}

export function chartName(chartDir: string): string {
  return basename(chartDir);
}
