import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LlmopsError } from "../errors.js";
import { loadConfig } from "./load.js";

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "llmops-config-"));
}

describe("loadConfig", () => {
  it("uses ./.llmops with SQLite and local files by default", () => {
    const cwd = tempDir();
    const { config, file } = loadConfig({ cwd, env: {} });
    expect(file).toBeNull();
    expect(config.home).toBe(path.join(cwd, ".llmops"));
    expect(config.database_url).toBe(`sqlite:${path.join(cwd, ".llmops", "llmops.db")}`);
    expect(config.artifacts_url).toBe(`file:${path.join(cwd, ".llmops", "artifacts")}`);
    expect(config.server).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(config.workers.threads).toBe(1);
  });

  it("applies flags over environment over llmops.yaml over defaults", () => {
    const cwd = tempDir();
    writeFileSync(
      path.join(cwd, "llmops.yaml"),
      "server:\n  port: 9000\n  host: 0.0.0.0\nlog_level: debug\ndatabase_url: sqlite:data/meta.db\nworkers:\n  threads: 2\n",
    );
    const env = { LLMOPS_PORT: "9100", LLMOPS_LOG_LEVEL: "warn" };
    const { config, file } = loadConfig({ cwd, env, flags: { server: { port: 9200 } } });
    expect(file).toBe(path.join(cwd, "llmops.yaml"));
    expect(config.server.port).toBe(9200); // flag wins
    expect(config.server.host).toBe("0.0.0.0"); // file, untouched by other layers
    expect(config.log_level).toBe("warn"); // env over file
    expect(config.workers.threads).toBe(2);
    expect(config.workers.base_port).toBe(0); // default kept inside a partly-set section
    expect(config.database_url).toBe(`sqlite:${path.join(cwd, "data", "meta.db")}`); // relative to the file
  });

  it("derives store locations from LLMOPS_HOME and keeps remote URLs as given", () => {
    const cwd = tempDir();
    const { config } = loadConfig({
      cwd,
      env: {
        LLMOPS_HOME: "state",
        LLMOPS_ARTIFACTS_URL: "s3://models/prod",
        LLMOPS_S3_ENDPOINT: "http://127.0.0.1:9000",
        LLMOPS_S3_FORCE_PATH_STYLE: "false",
        LLMOPS_DATABASE_URL: "postgres://u:p@db/llmops",
      },
    });
    expect(config.home).toBe(path.join(cwd, "state"));
    expect(config.artifacts_url).toBe("s3://models/prod");
    expect(config.database_url).toBe("postgres://u:p@db/llmops");
    expect(config.s3.endpoint).toBe("http://127.0.0.1:9000");
    expect(config.s3.force_path_style).toBe(false);
  });

  it("reports every invalid value with its path and environment variable", () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, "llmops.yaml"), "server:\n  port: 70000\nbogus: 1\n");
    let error: unknown;
    try {
      loadConfig({ cwd, env: { LLMOPS_LOG_LEVEL: "loud" } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LlmopsError);
    const message = (error as LlmopsError).message;
    expect((error as LlmopsError).code).toBe("config_invalid");
    expect(message).toContain("server.port (LLMOPS_PORT)");
    expect(message).toContain("log_level (LLMOPS_LOG_LEVEL)");
    expect(message).toContain("bogus");
  });

  it("rejects YAML that is not a mapping, and a missing --config file", () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, "llmops.yaml"), "- just\n- a list\n");
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/YAML mapping/);
    writeFileSync(path.join(cwd, "llmops.yaml"), "server: [unclosed\n");
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/Cannot parse/);
    expect(() => loadConfig({ cwd, env: {}, configFile: "nope.yaml" })).toThrow(/does not exist/);
  });

  it("validates upstream declarations", () => {
    const cwd = tempDir();
    writeFileSync(
      path.join(cwd, "llmops.yaml"),
      "upstreams:\n  - name: vllm\n    url: http://10.0.0.5:8000/v1\n    models: [llama-3-8b, {name: small, as: Qwen/Qwen2-0.5B}]\n",
    );
    const { config } = loadConfig({ cwd, env: {} });
    expect(config.upstreams[0]?.models).toEqual(["llama-3-8b", { name: "small", as: "Qwen/Qwen2-0.5B" }]);
    writeFileSync(path.join(cwd, "llmops.yaml"), "upstreams:\n  - name: bad name\n    url: nope\n    models: []\n");
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/upstreams\.0\.url/);
  });
});
