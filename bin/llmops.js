#!/usr/bin/env node
// Entry point for the `llmops` command. The TypeScript sources are compiled to dist/ by `npm ci`
// (the `prepare` script) or `npm run build`.
import("../dist/src/cli/main.js").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/src/cli")) {
    console.error("llmops is not built yet: run `npm run build` (or `npm ci`) in the project folder first.");
    process.exit(1);
  }
  throw error;
});
