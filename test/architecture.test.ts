// Guards the shape of the code base: no import cycles among runtime modules, and dependencies that
// point one way (domain modules never import the CLI or the HTTP layers).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../src");
const DOMAIN = ["config", "data", "formats", "monitor", "registry", "security", "serve", "store", "train", "errors.ts"];
const OUTER = ["api", "cli", "gateway", "platform"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return full.endsWith(".ts") && !full.endsWith(".test.ts") ? [full] : [];
  });
}

/** Runtime imports only: `import type` and `export type` vanish at compile time and cannot form cycles. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?"(\.[^"]+)"/gm)) {
    specs.push(match[1]!);
  }
  for (const match of text.matchAll(/import\("(\.[^"]+)"\)/g)) specs.push(match[1]!);
  return specs.map((spec) => path.join(path.dirname(file), spec.replace(/\.js$/, ".ts")));
}

const graph = new Map(sourceFiles(SRC).map((file) => [file, runtimeImports(file)]));
const layer = (file: string) => path.relative(SRC, file).split(path.sep)[0]!;

describe("architecture", () => {
  it("has no import cycles", () => {
    const state = new Map<string, "visiting" | "done">();
    const stack: string[] = [];
    const cycles: string[] = [];
    const visit = (file: string) => {
      state.set(file, "visiting");
      stack.push(file);
      for (const dep of graph.get(file) ?? []) {
        if (!graph.has(dep)) continue;
        if (state.get(dep) === "visiting") {
          cycles.push([...stack.slice(stack.indexOf(dep)), dep].map((f) => path.relative(SRC, f)).join(" → "));
        } else if (!state.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles).toEqual([]);
  });

  it("keeps domain modules free of the CLI and HTTP layers", () => {
    const violations = [...graph].flatMap(([file, deps]) =>
      DOMAIN.includes(layer(file))
        ? deps
            .filter((dep) => OUTER.includes(layer(dep)))
            .map((dep) => `${path.relative(SRC, file)} → ${path.relative(SRC, dep)}`)
        : [],
    );
    expect(violations).toEqual([]);
  });
});
