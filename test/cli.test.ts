// CLI conventions, checked on the real command: --help and --json on every verb, exit codes
// 0 (ok) / 1 (failed) / 2 (usage), errors that say what to do, and the registry and keys verbs.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { runCli } from "./helpers/cli.js";

const cwd = mkdtempSync(path.join(tmpdir(), "llmops-cli-"));
const model = path.join(cwd, "tiny.gguf");
const model2 = path.join(cwd, "tiny-q4.gguf");
const llmops = (...args: string[]) => runCli(args, { cwd });
const json = (...args: string[]) => {
  const result = llmops(...args, "--json");
  if (result.code !== 0) throw new Error(`llmops ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

beforeAll(async () => {
  await writeTinyLlama(model, { type: "F32", seed: 3 });
  await writeTinyLlama(model2, { type: "Q4_0", seed: 3 });
});

const LEAF_VERBS = [
  ["up"],
  ["models", "register"],
  ["models", "list"],
  ["models", "show"],
  ["models", "alias"],
  ["models", "rollback"],
  ["models", "inspect"],
  ["keys", "create"],
  ["keys", "list"],
  ["keys", "revoke"],
  ["worker"],
  ["gateway"],
  ["requests", "list"],
  ["audit", "list"],
  ["audit", "verify"],
  ["config", "show"],
];

describe("llmops CLI", () => {
  it("lists the verb groups", () => {
    const result = llmops("--help");
    expect(result.code).toBe(0);
    for (const group of ["up", "models", "keys", "worker", "gateway", "requests", "audit", "config"]) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${group}\\b`, "m"));
    }
  });

  it.each(LEAF_VERBS)("%s %s has --help and --json", (...verb) => {
    const result = llmops(...verb, "--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--json");
    expect(result.stdout).toContain("Usage: llmops");
  });

  it("exits 2 on usage errors and says what to do", () => {
    const unknown = llmops("models", "frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command|too many arguments/);
    expect(unknown.stderr).toContain("--help");
    const missing = llmops("models", "register", model);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '-n, --name <name>'/);
    const badPort = llmops("worker", "--model", model, "--port", "http");
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port must be an integer/);
  });

  it("registers, lists, shows, aliases and rolls back with --json output", () => {
    const v1 = json("models", "register", model, "--name", "tiny", "--tag", "team=core", "--parent", "base@3");
    expect(v1).toMatchObject({
      ref: "tiny@1",
      quantization: "F32",
      tags: { team: "core" },
      lineage: { parent: "base@3" },
    });
    const v2 = json("models", "register", model2, "--name", "tiny", "--alias", "production");
    expect(v2).toMatchObject({ ref: "tiny@2", quantization: "Q4_0", aliases: ["production"] });

    const list = json("models", "list") as unknown as Array<Record<string, unknown>>;
    expect(list).toEqual([expect.objectContaining({ name: "tiny", latestVersion: 2, aliases: { production: 2 } })]);

    expect(json("models", "show", "tiny@production")).toMatchObject({ version: 2, contextLength: 256 });
    const shown = json("models", "show", "tiny", "--history");
    expect((shown.versions as unknown[]).length).toBe(2);
    expect((shown.aliasHistory as unknown[]).length).toBe(1);

    expect(json("models", "alias", "tiny", "1", "production", "--reason", "revert")).toMatchObject({
      fromVersion: 2,
      toVersion: 1,
      reason: "revert",
    });
    expect(json("models", "rollback", "tiny", "--alias", "production")).toMatchObject({
      kind: "rollback",
      toVersion: 2,
    });

    const human = llmops("models", "show", "tiny@2");
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/ref:\s+tiny@2/);
    expect(human.stdout).toMatch(/sha256:\s+[0-9a-f]{64}/);
  });

  it("exits 1 with a clear error for bad files and unknown models", () => {
    const bad = path.join(cwd, "bad.gguf");
    writeFileSync(bad, Buffer.from([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0])); // GGUF magic, then truncated
    const result = llmops("models", "register", bad, "--name", "bad");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*truncated/m);
    const unknown = llmops("models", "show", "nope@1", "--json");
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: "not_found", type: "not_found_error" } });
    expect(unknown.stderr).toContain("llmops models list");
  });

  it("creates, lists and revokes keys; the secret is shown once and never listed", () => {
    const created = json("keys", "create", "--name", "ci", "--role", "service");
    expect(created.key).toMatch(/^llm_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
    const listed = llmops("keys", "list", "--json");
    expect(listed.stdout).not.toContain(created.key as string);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: "ci", role: "service" })]);
    expect(llmops("keys", "create", "--name", "x", "--role", "root").stderr).toMatch(
      /admin, developer, viewer, service/,
    );
    expect(json("keys", "revoke", "ci")).toMatchObject({ name: "ci", revokedAt: expect.any(String) });
    expect(JSON.parse(llmops("keys", "list", "--json").stdout)).toEqual([]);
    const audit = JSON.parse(llmops("audit", "list", "--json", "--action", "key.revoke").stdout);
    expect(audit).toEqual([expect.objectContaining({ action: "key.revoke", details: { name: "ci" } })]);
    expect(json("audit", "verify")).toMatchObject({ ok: true });
  });

  it("reports invalid configuration with the variable to fix", () => {
    const result = runCli(["config", "show"], { cwd, env: { LLMOPS_PORT: "99999" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("server.port (LLMOPS_PORT)");
    const shown = runCli(["config", "show", "--json"], { cwd, env: { LLMOPS_ADMIN_KEY: "a-very-secret-admin-key" } });
    expect(shown.stdout).not.toContain("a-very-secret-admin-key");
    expect(JSON.parse(shown.stdout)).toMatchObject({ admin_key: "********", home: path.join(cwd, ".llmops") });
  });
});
