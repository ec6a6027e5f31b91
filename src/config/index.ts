export { type LoadConfigOptions, type LoadedConfig, loadConfig } from "./load.js";
export { type Config, type ConfigLayer, configSchema, type UpstreamConfig } from "./schema.js";
