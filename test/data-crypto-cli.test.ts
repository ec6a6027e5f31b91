// Encryption at rest and erasure as users run them: the real CLI in child processes (SQLite and
// the file artifact store under a private LLMOPS_HOME) with a master key file, rotation to a new
// key file, `data erase`, and /api/v1/datasets rows of an encrypted version by role.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { readMasterKeyFile } from "../src/data/crypto/envelope.js";
import { DatasetKeyring } from "../src/data/crypto/keyring.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { listAudit } from "../src/security/audit.js";
import { runCli } from "./helpers/cli.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-crypto-cli-"));
const keyFile = (name: string) => {
  const file = path.join(home, name);
  writeFileSync(file, `${randomBytes(32).toString("base64")}\n`);
  chmodSync(file, 0o600);
  return file;
};
const oldKey = keyFile("old.key");
const newKey = keyFile("new.key");
const state = { LLMOPS_HOME: path.join(home, "state") };
const cli = (env: Record<string, string>, ...args: string[]) => runCli(args, { cwd: home, env: { ...state, ...env } });
const json = (env: Record<string, string>, ...args: string[]) => {
  const result = cli(env, ...args, "--json");
  expect(result.code, `llmops ${args.join(" ")}: ${result.stdout}${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
};
const input = path.join(home, "in.jsonl");
writeFileSync(input, ['{"id":1,"text":"keep me"}', '{"id":2,"text":"call 13800138000"}'].join("\n"));

describe("llmops data ingest --encrypt, keys rotate, erase (CLI)", () => {
  it("ingests encrypted, reads with the key, refuses without it, rotates, erases", () => {
    const withOld = { LLMOPS_MASTER_KEY_FILE: oldKey };
    const withNew = { LLMOPS_MASTER_KEY_FILE: newKey };
    const created = json(withOld, "data", "ingest", input, "--name", "calls", "--encrypt");
    expect(created).toMatchObject({ ref: "calls@1", encrypted: true, rowCount: 2 });
    expect(cli(withOld, "data", "show", "calls@1").stdout).toMatch(/encrypted:\s+yes \(AES-256-GCM/);
    expect(json(withOld, "data", "head", "calls@1").map((r: { row: { id: number } }) => r.row.id)).toEqual([1, 2]);

    const noKey = cli({}, "data", "head", "calls@1");
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/LLMOPS_MASTER_KEY/);
    const badKey = cli({ LLMOPS_MASTER_KEY: "too-short" }, "data", "head", "calls@1");
    expect(badKey.code).not.toBe(0);
    expect(badKey.stderr).toMatch(/32-byte key/);

    const rotated = json(withOld, "data", "keys", "rotate", "--new-key-file", newKey);
    expect(rotated).toMatchObject({ rewrapped: 1, to: readMasterKeyFile(newKey).id });
    expect(cli(withOld, "data", "head", "calls@1").stderr).toMatch(/encrypted under master key/);
    expect(json(withNew, "data", "head", "calls@1")).toHaveLength(2);
    expect(json(withNew, "data", "keys", "list")).toEqual([
      expect.objectContaining({ dataset: "calls", masterKeyId: rotated.to }),
    ]);

    const usage = cli(withNew, "data", "erase", "--reason", "x");
    expect(usage.code).toBe(2);
    const dry = json(withNew, "data", "erase", "--text", "13800138000", "--reason", "PIPL request", "--dry-run");
    expect(dry).toMatchObject({ dryRun: true, rowsRemoved: 1, tombstoneId: null });
    const erased = json(withNew, "data", "erase", "--match", "id=2", "--reason", "PIPL request");
    expect(erased.matchHash).toMatch(/^hmac-sha256:/); // keyed by the master key
    expect(erased.versions).toEqual([expect.objectContaining({ ref: "calls@1", replacement: "calls@2" })]);
    expect(json(withNew, "data", "show", "calls@2")).toMatchObject({ encrypted: true, rowCount: 1 });
    expect(cli(withNew, "data", "head", "calls@1").stderr).toMatch(/erased/);
  });
});

describe("/api/v1/datasets rows of an encrypted version", () => {
  let platform: Platform;
  let server: RunningServer;
  const keys: Record<string, string> = {};
  const call = async (route: string, key: string) =>
    (await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${key}` } })).status;

  beforeAll(async () => {
    platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: path.join(home, "api") }, cwd: home }).config);
    platform.datasets.encryption = new DatasetKeyring(platform.store, readMasterKeyFile(oldKey));
    for (const role of ["viewer", "developer"]) {
      keys[role] = (await platform.keys.create({ name: role, role, createdBy: "test" })).key;
    }
    const { ingest } = await import("../src/data/ingest.js");
    await ingest(platform.datasets, { files: [input], name: "sealed", actor: "test", encrypt: true });
    server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
  });
  afterAll(async () => {
    await server?.close();
    await platform?.close();
  });

  it("needs datasets:decrypt and audits the read under the key's name", async () => {
    expect(await call("/api/v1/datasets/sealed/versions/1", keys.viewer!)).toBe(200); // metadata stays readable
    expect(await call("/api/v1/datasets/sealed/versions/1/rows", keys.viewer!)).toBe(403);
    expect(await call("/api/v1/datasets/sealed/versions/1/rows", keys.developer!)).toBe(200);
    const reads = await listAudit(platform.store, { action: "dataset.decrypt" });
    expect(reads.map((e) => e.actor)).toEqual([expect.stringMatching(/^key:developer\(/)]);
    expect(reads[0]).toMatchObject({ target: "dataset:sealed@1", details: { purpose: "api rows" } });
  });
});
