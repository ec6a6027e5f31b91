// `llmops requests list`: the gateway's request log (never the prompts).
import type { Command } from "commander";
import { listRequests } from "../../monitor/requests.js";
import { jsonOption, wantsJson, withPlatform } from "../context.js";
import { printJson, printTable } from "../output.js";

export function registerRequestsCommands(program: Command): void {
  const requests = program.command("requests").description("the gateway's request log");
  jsonOption(
    requests
      .command("list")
      .description("most recent requests first")
      .option("-n, --limit <n>", "how many", "50")
      .option("-m, --model <model>", "only this model (as requested)")
      .option("--status <code>", "only this HTTP status")
      .option("--since <iso>", "only requests at or after this time"),
  ).action(
    withPlatform(async (platform, command) => {
      const o = command.opts<{ limit: string; model?: string; status?: string; since?: string }>();
      const rows = await listRequests(platform.store, {
        limit: o.limit,
        model: o.model,
        status: o.status,
        since: o.since,
      });
      if (wantsJson(command)) return printJson(rows);
      printTable(rows, {
        AT: (r) => r.at,
        STATUS: (r) => r.status,
        ROUTE: (r) => r.route,
        MODEL: (r) => r.model,
        VERSION: (r) => r.model_version,
        "TOK IN": (r) => r.prompt_tokens,
        "TOK OUT": (r) => r.completion_tokens,
        "LATENCY MS": (r) => r.latency_ms,
        "TTFT MS": (r) => r.ttft_ms,
        KEY: (r) => r.key_id,
        ERROR: (r) => r.error_code,
      });
    }),
  );
}
