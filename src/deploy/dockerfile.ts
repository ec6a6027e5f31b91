// A Dockerfile reader and the checks hadolint users rely on most, so the image recipe is verified
// on machines without a Docker engine (CI here has none): pinned base images, a non-root final
// stage, exec-form entrypoints, apt hygiene, COPY --from naming a real stage, no remote ADD.

export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, COPY, … */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
  /** Index of the build stage (FROM) it belongs to; -1 before the first FROM (ARG, comments). */
  stage: number;
}

export interface Stage {
  image: string;
  name: string | undefined;
  line: number;
}

export interface DockerfileProblem {
  line: number;
  rule: string;
  message: string;
}

export function parseDockerfile(text: string): { instructions: Instruction[]; stages: Stage[] } {
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (/^\s*(#|$)/.test(raw)) continue;
    const line = i + 1;
    let joined = raw;
    // Backslash continues an instruction; comment lines inside a continuation are skipped (as Docker does).
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, " ");
      i++;
      if (/^\s*#/.test(lines[i]!)) continue;
      joined += lines[i]!;
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(joined);
    if (m === null) continue;
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (keyword === "FROM") {
      const parts = args.split(/\s+/).filter((p) => !p.startsWith("--"));
      stages.push({ image: parts[0] ?? "", name: /^as$/i.test(parts[1] ?? "") ? parts[2] : undefined, line });
    }
    instructions.push({ keyword, args, line, stage: stages.length - 1 });
  }
  return { instructions, stages };
}

function isExecForm(args: string): boolean {
  try {
    const parsed = JSON.parse(args) as unknown;
    return Array.isArray(parsed) && parsed.every((p) => typeof p === "string");
  } catch {
    return false;
  }
}

export function lintDockerfile(text: string): DockerfileProblem[] {
  const { instructions, stages } = parseDockerfile(text);
  const problems: DockerfileProblem[] = [];
  const add = (line: number, rule: string, message: string) => problems.push({ line, rule, message });
  if (stages.length === 0) {
    add(1, "DL0001", "no FROM instruction");
    return problems;
  }
  const stageNames = new Set(stages.map((s) => s.name).filter((n): n is string => n !== undefined));
  for (const stage of stages) {
    const [image, tag] = stage.image.split("@")[0]!.split(":");
    if (stageNames.has(stage.image)) continue; // FROM an earlier stage
    if (tag === undefined && !stage.image.includes("@")) add(stage.line, "DL3006", `pin a tag for ${image}`);
    if (tag === "latest") add(stage.line, "DL3007", `do not use ${image}:latest; pin a version`);
  }
  const last = stages.length - 1;
  let finalUser: string | undefined;
  for (const ins of instructions) {
    const { keyword, args, line } = ins;
    if (keyword === "USER" && ins.stage === last) finalUser = args;
    if (keyword === "MAINTAINER") add(line, "DL4000", "MAINTAINER is deprecated; use a LABEL");
    if ((keyword === "CMD" || keyword === "ENTRYPOINT") && !isExecForm(args)) {
      add(line, "DL3025", `${keyword} must use the JSON (exec) form so signals reach node`);
    }
    if (keyword === "ADD" && /\bhttps?:\/\//.test(args)) add(line, "DL3020", "use curl/COPY instead of ADD with a URL");
    if (keyword === "COPY" || keyword === "ADD") {
      const from = /--from=(\S+)/.exec(args)?.[1];
      if (from !== undefined && !stageNames.has(from) && !/^\d+$/.test(from) && !from.includes(":")) {
        add(line, "DL3022", `COPY --from=${from} names no earlier stage`);
      }
    }
    if (keyword === "RUN") {
      if (/\bapt-get\s+install\b/.test(args)) {
        if (!/--no-install-recommends/.test(args))
          add(line, "DL3015", "apt-get install without --no-install-recommends");
        if (!/rm -rf \/var\/lib\/apt\/lists/.test(args))
          add(line, "DL3009", "delete /var/lib/apt/lists after installing");
        if (!/\s-y\b|--yes|--assume-yes/.test(args)) add(line, "DL3014", "apt-get install needs -y");
      }
      if (/\bsudo\b/.test(args)) add(line, "DL3004", "do not use sudo in a Dockerfile");
      if (/\bcd\s+\S/.test(args)) add(line, "DL3003", "use WORKDIR instead of cd");
      if (/\bnpm install\b/.test(args)) add(line, "DL3016", "use npm ci with the lock file, not npm install");
    }
  }
  if (finalUser === undefined) add(stages[last]!.line, "DL3002", "the final stage must switch to a non-root USER");
  else if (/^(root|0)(:|$)/.test(finalUser)) add(stages[last]!.line, "DL3002", "the final stage runs as root");
  return problems;
}

/** Source paths of COPY instructions that copy from the build context (not from another stage). */
export function contextCopySources(text: string): { line: number; source: string }[] {
  const out: { line: number; source: string }[] = [];
  for (const ins of parseDockerfile(text).instructions) {
    if (ins.keyword !== "COPY" || /--from=/.test(ins.args)) continue;
    const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith("--"));
    for (const source of parts.slice(0, -1)) out.push({ line: ins.line, source });
  }
  return out;
}
