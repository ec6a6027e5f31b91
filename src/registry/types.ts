/** A registered, immutable model version as the CLI and API show it. */
export interface ModelVersion {
  id: string;
  name: string;
  version: number;
  /** `name@version`. */
  ref: string;
  artifactHash: string;
  sizeBytes: number;
  format: string;
  architecture: string | null;
  parameterCount: number | null;
  quantization: string | null;
  contextLength: number | null;
  vocabSize: number | null;
  /** Other facts read from the file (layers, heads, embedding size, chat template, …). */
  metadata: Record<string, unknown>;
  lineage: Lineage;
  tags: Record<string, string>;
  description: string | null;
  /** Aliases that point at this version now. */
  aliases: string[];
  createdAt: string;
  createdBy: string;
}

/** Where a version came from. Every field is optional; later issues (training, data) fill more. */
export interface Lineage {
  sourceFile?: string;
  parent?: string; // "name@version" it was fine-tuned, quantised or distilled from
  runId?: string;
  datasetVersions?: string[];
  gitCommit?: string;
  [key: string]: unknown;
}

export interface ModelInfo {
  name: string;
  description: string | null;
  createdAt: string;
  createdBy: string;
  latestVersion: number;
  versionCount: number;
  aliases: Record<string, number>;
}

export interface AliasEvent {
  id: string;
  model: string;
  alias: string;
  kind: "set" | "rollback" | "delete";
  fromVersion: number | null;
  toVersion: number | null;
  actor: string;
  reason: string | null;
  at: string;
}
