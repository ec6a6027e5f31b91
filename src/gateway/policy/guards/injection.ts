// Prompt-injection heuristics, English and Chinese: weighted patterns for the usual moves (ignore the
// previous instructions, reveal the system prompt, role-play an unrestricted model, fake system or
// chat-template markers). Scores combine like independent evidence, 1 − Π(1 − wᵢ), so one strong
// signal or several weak ones cross the threshold while a single weak word ("pretend") does not.
// Heuristics catch the copy-pasted attacks, not a determined adversary: pair with output checks.
import type { Finding, Guard, GuardAction } from "./guard.js";

interface Rule {
  name: string;
  weight: number;
  pattern: RegExp;
}

const IGNORE = "(?:ignore|disregard|forget|skip|bypass|override)";
const PREVIOUS =
  "(?:all\\s+|any\\s+|the\\s+|your\\s+)*(?:previous|prior|above|earlier|preceding|initial|original|system)";
const INSTRUCTIONS = "(?:instructions?|prompts?|rules?|directions?|guidelines?|constraints?|context)";

export const INJECTION_RULES: readonly Rule[] = [
  { name: "ignore-previous", weight: 0.7, pattern: new RegExp(`${IGNORE}\\s+${PREVIOUS}\\s+${INSTRUCTIONS}`, "i") },
  {
    name: "ignore-instructions",
    weight: 0.45,
    pattern: new RegExp(`${IGNORE}\\s+(?:all\\s+|your\\s+)?${INSTRUCTIONS}`, "i"),
  },
  {
    name: "reveal-system-prompt",
    weight: 0.6,
    pattern:
      /(?:reveal|show|print|output|repeat|tell\s+me|what\s+(?:is|are)|leak|dump)\s+(?:me\s+)?(?:your|the)\s+(?:full\s+|exact\s+|hidden\s+|secret\s+)?(?:system\s+prompt|system\s+message|initial\s+instructions|hidden\s+instructions|instructions\s+above)/i,
  },
  {
    name: "unrestricted-persona",
    weight: 0.55,
    pattern: /\b(?:DAN|do\s+anything\s+now|developer\s+mode|jailbreak(?:ed)?|god\s+mode|unfiltered\s+mode)\b/i,
  },
  {
    name: "no-restrictions",
    weight: 0.35,
    pattern:
      /(?:without|no|free\s+(?:of|from))\s+(?:any\s+)?(?:restrictions|filters|censorship|limitations|guidelines|rules)/i,
  },
  {
    name: "new-role",
    weight: 0.25,
    pattern: /\b(?:you\s+are\s+now|from\s+now\s+on\s+you|pretend\s+(?:you\s+are|to\s+be)|act\s+as)\b/i,
  },
  {
    name: "fake-markers",
    weight: 0.5,
    pattern:
      /<\|im_start\|>|<\|im_end\|>|<\|(?:system|assistant|endoftext)\|>|\[\/?INST\]|<<\/?SYS>>|^\s*(?:###\s*)?system\s*:/im,
  },
  // 中文
  {
    name: "zh-ignore-previous",
    weight: 0.7,
    pattern:
      /(?:忽略|无视|忘记|忘掉|跳过|不要理会|不用管)(?:掉)?(?:你)?(?:之前|以上|上面|上述|先前|前面|原来|原有|所有|全部|系统)(?:的)?(?:所有|全部)?(?:的)?(?:指令|指示|提示词?|规则|要求|设定|限制|约束)/,
  },
  {
    name: "zh-reveal-system-prompt",
    weight: 0.6,
    pattern:
      /(?:显示|输出|告诉我|打印|泄露|重复|给我看|透露)(?:一下)?(?:你的)?(?:完整的?)?(?:系统提示词?|系统指令|初始指令|隐藏指令|系统消息|原始提示)/,
  },
  { name: "zh-unrestricted-persona", weight: 0.55, pattern: /开发者模式|越狱|无限制模式|DAN模式/ },
  {
    name: "zh-no-restrictions",
    weight: 0.35,
    pattern: /不受(?:任何)?(?:限制|约束|规则)|没有(?:任何)?(?:限制|约束|道德)/,
  },
  { name: "zh-new-role", weight: 0.25, pattern: /(?:你现在是|从现在开始[，,]?你|假装你是|扮演一个)/ },
];

/** The score of a text from 0 (no sign of injection) to 1, and the rules that matched. */
export function injectionScore(text: string): { score: number; rules: string[] } {
  const normal = text.normalize("NFKC");
  let keep = 1;
  const rules: string[] = [];
  for (const rule of INJECTION_RULES) {
    if (rule.pattern.test(normal)) {
      keep *= 1 - rule.weight;
      rules.push(rule.name);
    }
  }
  return { score: 1 - keep, rules };
}

export class InjectionGuard implements Guard {
  readonly name = "injection";

  constructor(
    readonly action: GuardAction,
    private readonly threshold: number,
  ) {}

  inspect(texts: readonly string[]): Finding | undefined {
    let best = { score: 0, rules: [] as string[] };
    for (const text of texts) {
      const scored = injectionScore(text);
      if (scored.score > best.score) best = scored;
    }
    if (best.score < this.threshold || best.score === 0) return undefined;
    return {
      reason: `possible prompt injection (score ${best.score.toFixed(2)} ≥ ${this.threshold}; ${best.rules.join(", ")})`,
    };
  }
}
