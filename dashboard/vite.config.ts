// Builds the dashboard into dist/dashboard, which `llmops up` and `llmops gateway` serve at `/`.
// JSX is compiled by Vite's own esbuild step (no React plugin: no dev-server fast refresh needed).
import path from "node:path";
import { defineConfig } from "vite";

const root = path.dirname(new URL(import.meta.url).pathname);

export default defineConfig({
  root,
  base: "/",
  logLevel: "warn",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: path.resolve(root, "../dist/dashboard"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npx vite --config dashboard/vite.config.ts` during development, against a running `llmops up`.
    proxy: { "/api": "http://127.0.0.1:8080" },
  },
});
