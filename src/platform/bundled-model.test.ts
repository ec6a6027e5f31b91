import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { writeBundledModel } from "./bundled-model.js";
import { BUNDLED_MODEL } from "./paths.js";

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

it("the committed bundled model is reproduced byte for byte by its recipe", async () => {
  const rebuilt = path.join(mkdtempSync(path.join(tmpdir(), "llmops-bundled-")), "model.gguf");
  await writeBundledModel(rebuilt);
  expect(sha256(rebuilt)).toBe(sha256(BUNDLED_MODEL.file));
  expect(sha256(BUNDLED_MODEL.file)).toBe("47dcd255d16a4cd176c02bf54eb3926b9fff17a19a1e55713bd866bbf86bca62");
});
