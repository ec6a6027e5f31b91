// `llmops` — one command with a verb group per lifecycle stage. Each group lives in its own file
// under ./commands and only parses, calls a domain module and prints.
import { Command, CommanderError } from "commander";
import { registerAuditCommands } from "./commands/audit.js";
import { registerConfigCommands } from "./commands/config.js";
import { registerDataCommands } from "./commands/data.js";
import { registerDeployCommands } from "./commands/deploy.js";
import { registerEvalCommands } from "./commands/eval.js";
import { registerExplainCommand } from "./commands/explain.js";
import { registerGatewayCommand } from "./commands/gateway.js";
import { registerKeysCommands } from "./commands/keys.js";
import { registerModelsCommands } from "./commands/models.js";
import { registerMonitorCommands } from "./commands/monitor.js";
import { registerQuantizeCommand } from "./commands/quantize.js";
import { registerRequestsCommands } from "./commands/requests.js";
import { registerRolloutCommands } from "./commands/rollout.js";
import { registerRunsCommands } from "./commands/runs.js";
import { registerTokenizerCommands } from "./commands/tokenizer.js";
import { registerTrainCommands } from "./commands/train.js";
import { registerUpCommand } from "./commands/up.js";
import { registerWorkerCommand } from "./commands/worker.js";
import { EXIT_USAGE } from "./output.js";
import { VERSION } from "./version.js";

export function buildProgram(): Command {
  const program = new Command("llmops")
    .description("Self-hostable LLMOps: model registry, OpenAI-compatible gateway and workers, and more.")
    .version(VERSION, "-V, --version")
    .option("--home <dir>", "state folder (LLMOPS_HOME, default ./.llmops)")
    .option("--config <file>", "configuration file (LLMOPS_CONFIG, default ./llmops.yaml)")
    .option("--database-url <url>", "metadata store: sqlite:PATH or postgres://… (LLMOPS_DATABASE_URL)")
    .option("--artifacts-url <url>", "artifact store: file:PATH or s3://bucket/prefix (LLMOPS_ARTIFACTS_URL)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent (LLMOPS_LOG_LEVEL)")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerUpCommand(program);
  registerModelsCommands(program);
  registerRolloutCommands(program);
  registerKeysCommands(program);
  registerWorkerCommand(program);
  registerGatewayCommand(program);
  registerRequestsCommands(program);
  registerAuditCommands(program);
  registerDataCommands(program);
  registerTokenizerCommands(program);
  registerConfigCommands(program);
  registerRunsCommands(program);
  registerTrainCommands(program);
  registerQuantizeCommand(program);
  registerEvalCommands(program);
  registerExplainCommand(program);
  registerDeployCommands(program);
  registerMonitorCommands(program);
  // Every subcommand inherits the usage-error behaviour (exit code 2, help hint).
  const inherit = (command: Command) => {
    for (const sub of command.commands) {
      sub.exitOverride().showHelpAfterError("(run with --help for usage)");
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `llmops … | head` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw error;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0; everything else is a usage error.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    throw error;
  }
}

await main(process.argv);
