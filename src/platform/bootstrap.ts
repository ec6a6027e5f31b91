// First-run set-up for `llmops up`: register the bundled model (with the production alias) when the
// registry is empty, with lineage pointing at the recipe that reproduces it, and make sure an admin
// key exists.
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { isLlmopsError } from "../errors.js";
import type { ModelVersion } from "../registry/index.js";
import { BUNDLED_RECIPE, readBundledLock } from "./bundled-model.js";
import type { Platform } from "./open.js";

export async function registerBundledModelIfEmpty(platform: Platform): Promise<ModelVersion | null> {
  if ((await platform.registry.list()).length > 0) return null;
  // The lock is information for the lineage; a missing or damaged one must not stop `llmops up`
  // (the registry verifies the GGUF itself).
  const lock = await readBundledLock().catch(() => null);
  return platform.registry.register({
    file: BUNDLED_RECIPE.file,
    name: BUNDLED_RECIPE.name,
    alias: "production",
    description:
      "A tiny llama trained by llmops on Tang poems: it continues poem-like text, it is not an assistant " +
      "(see models/llmops-tiny/README.md).",
    tags: { bundled: "true", corpus: "tang-poems" },
    lineage: {
      recipe: "models/llmops-tiny/recipe.yaml",
      ...(lock
        ? {
            recipeSha256: lock.recipeSha256,
            datasetHash: lock.dataSha256,
            tokenizerHash: lock.tokenizerSha256,
            step: lock.final.step,
            valPerplexity: lock.final.valPerplexity,
          }
        : {}),
    },
    actor: "system:bootstrap",
  });
}

export interface AdminKey {
  key: string;
  /** Where it came from, for the banner. */
  source: "LLMOPS_ADMIN_KEY" | "created" | "file";
  file: string | null;
}

/**
 * The admin key to print: LLMOPS_ADMIN_KEY when set; otherwise the key kept in
 * LLMOPS_HOME/admin.key (mode 0600), created on first run. A revoked or unreadable file is replaced.
 */
export async function ensureAdminKey(platform: Platform): Promise<AdminKey> {
  if (platform.config.admin_key) return { key: platform.config.admin_key, source: "LLMOPS_ADMIN_KEY", file: null };
  const file = path.join(platform.config.home, "admin.key");
  const existing = await readFile(file, "utf8").then(
    (text) => text.trim(),
    () => null,
  );
  if (existing) {
    try {
      await platform.keys.authenticate(existing);
      return { key: existing, source: "file", file };
    } catch (error) {
      if (!isLlmopsError(error) || error.code !== "unauthorized") throw error;
    }
  }
  const created = await platform.keys.create({ name: "admin", role: "admin", createdBy: "system:bootstrap" });
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${created.key}\n`, { mode: 0o600 });
  await chmod(`${file}.tmp`, 0o600);
  await rename(`${file}.tmp`, file);
  return { key: created.key, source: "created", file };
}
