// Offline validation of Kubernetes manifests against the API's own OpenAPI schemas, as shipped by
// the kubernetes-models packages (core/apps/… and the prometheus-operator CRDs): no cluster needed.
import type { RenderedDocument } from "./chart.js";

export interface ManifestProblem {
  source: string;
  kind: string;
  name: string;
  message: string;
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Validatable;

// Where each API group's classes live; prometheus-operator's CRDs ship separately.
function modulePath(apiVersion: string): string {
  if (apiVersion.startsWith("monitoring.coreos.com/")) return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  try {
    const mod = (await import(modulePath(apiVersion))) as Record<string, unknown>;
    const found = mod[kind];
    return typeof found === "function" ? (found as ModelClass) : undefined;
  } catch {
    return undefined;
  }
}

/** Validates every document; returns the problems (empty when all are valid). */
export async function validateManifests(documents: readonly RenderedDocument[]): Promise<ManifestProblem[]> {
  const problems: ManifestProblem[] = [];
  for (const { source, object } of documents) {
    const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
    const kind = typeof object.kind === "string" ? object.kind : "";
    const metadata = (object.metadata ?? {}) as { name?: unknown };
    const name = typeof metadata.name === "string" ? metadata.name : "(no name)";
    if (apiVersion === "" || kind === "") {
      problems.push({ source, kind, name, message: "document has no apiVersion or kind" });
      continue;
    }
    const Model = await modelClass(apiVersion, kind);
    if (Model === undefined) {
      problems.push({ source, kind, name, message: `unknown API ${apiVersion} ${kind}` });
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push({ source, kind, name, message: (error as Error).message });
    }
    if (typeof metadata.name !== "string" || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(metadata.name)) {
      problems.push({ source, kind, name, message: "metadata.name must be a DNS-1123 name" });
    }
  }
  return problems;
}
