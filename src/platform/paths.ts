import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The llmops package folder (where package.json and bin/ live), from src/ or from dist/src/. */
export const PACKAGE_ROOT: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "llmops") return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the llmops package folder");
    dir = parent;
  }
})();

/** The `llmops` command, to start child processes (workers) with the same code. */
export const CLI_ENTRY = path.join(PACKAGE_ROOT, "bin", "llmops.js");

/** The model bundled with llmops and registered on first run. */
export const BUNDLED_MODEL = {
  name: "llmops-tiny",
  file: path.join(PACKAGE_ROOT, "models", "llmops-tiny", "llmops-tiny-q8_0.gguf"),
};
