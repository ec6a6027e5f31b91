export * from "./refs.js";
export { ModelRegistry, type RegisterInput, replayHistory } from "./registry.js";
export type { AliasEvent, Lineage, ModelInfo, ModelVersion } from "./types.js";
