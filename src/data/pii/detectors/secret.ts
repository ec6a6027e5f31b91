// SECRET: API keys, tokens and private keys.
//  - Known formats with a distinctive prefix (score 0.95–0.99): AWS access key ids (AKIA/ASIA…),
//    GitHub tokens (ghp_/gho_/ghu_/ghs_/ghr_, github_pat_), Slack tokens (xoxb-/xoxp-/xoxa-/xoxr-/
//    xoxs-) and webhook URLs, Stripe secret/restricted keys (sk_live_/rk_live_/…_test_), Google API
//    keys (AIza…), OpenAI and Anthropic keys (sk-…, sk-proj-…, sk-ant-…), llmops API keys (llm_…),
//    JWTs (three base64url parts whose header decodes to JSON with "alg"), PEM private key blocks.
//  - Assignments (score 0.7–0.85): a key-like name (api_key, secret, token, password, 密码, 密钥…)
//    followed by ":" or "=" and a value. For api keys/tokens the value must look random (≥ 16 chars,
//    two character classes, Shannon entropy ≥ 3 bits/char) so "token: none" or "secret = true" pass;
//    for passwords any 6+ character value counts, because the name alone says what it is.
// Not covered: secrets without a recognisable prefix or name (a bare 40-char AWS secret key in prose).
import { clamp01, execAll } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

interface Rule {
  name: string;
  pattern: RegExp;
  score: number;
  /** Quick test that must pass for the rule to run at all (a substring or a cheap regex). */
  hint?: string | RegExp;
  check?: (value: string) => boolean;
}

const B = "(?<![A-Za-z0-9_-])";
const E = "(?![A-Za-z0-9_-])";

const RULES: readonly Rule[] = [
  {
    name: "aws-access-key",
    pattern: new RegExp(`${B}(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}${E}`, "g"),
    score: 0.95,
    hint: /A(?:KI|SI|BI|CC)A/,
  },
  { name: "github", pattern: new RegExp(`${B}gh[pousr]_[A-Za-z0-9]{36,251}${E}`, "g"), score: 0.99, hint: "gh" },
  {
    name: "github-pat",
    pattern: new RegExp(`${B}github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}${E}`, "g"),
    score: 0.99,
    hint: "github_pat_",
  },
  { name: "slack", pattern: new RegExp(`${B}xox[baprse]-[A-Za-z0-9-]{10,250}${E}`, "g"), score: 0.95, hint: "xox" },
  {
    name: "slack-webhook",
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32}/g,
    score: 0.95,
    hint: "hooks.slack.com",
  },
  {
    name: "stripe",
    pattern: new RegExp(`${B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}${E}`, "g"),
    score: 0.97,
    hint: "k_",
  },
  { name: "google-api-key", pattern: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, "g"), score: 0.95, hint: "AIza" },
  {
    name: "openai",
    pattern: new RegExp(`${B}sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\\d\\d-)?[A-Za-z0-9_-]{20,200}${E}`, "g"),
    score: 0.9,
    hint: "sk-",
    // "sk-" followed by a word-like tail ("sk-learn-compatible-models") is not a key: demand digits and letters.
    check: (v) => /\d/.test(v) && /[A-Za-z]/.test(v.slice(3)) && entropy(v) >= 3.5,
  },
  {
    name: "llmops",
    pattern: new RegExp(`${B}llm_[0-9A-HJKMNP-TV-Z]{26}_[A-Za-z0-9_-]{43}${E}`, "g"),
    score: 0.99,
    hint: "llm_",
  },
  {
    name: "jwt",
    pattern: new RegExp(`${B}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}${E}`, "g"),
    score: 0.95,
    hint: "eyJ",
    check: jwtHeaderOk,
  },
  {
    name: "private-key",
    pattern:
      /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----[\s\S]{16,20000}?-----END \1-----/g,
    score: 0.99,
    hint: "-----BEGIN ",
  },
];

// One scan finds which rules' hints occur: most texts contain none, and then no rule runs at all;
// otherwise only the rules whose hint is there run (a separate substring scan per rule cost more than
// the rules themselves on short texts). Every position is tried (lastIndex = index + 1), and a hint
// that starts with another rule's string hint ("github_pat_" / "gh") comes first and marks both, so the
// mask is exactly "this rule's hint occurs".
const hintSource = (r: Rule) =>
  typeof r.hint === "string" ? r.hint.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : (r.hint?.source ?? "[\\s\\S]");
const HINT_ORDER = RULES.map((_, i) => i).sort((a, b) => {
  const ha = RULES[a]!.hint;
  const hb = RULES[b]!.hint;
  return (typeof hb === "string" ? hb.length : 0) - (typeof ha === "string" ? ha.length : 0);
});
const HINTS = new RegExp(HINT_ORDER.map((i) => `(${hintSource(RULES[i]!)})`).join("|"), "g");
/** The same alternatives without captures: the cheaper first test, which most texts fail. */
const ANY_HINT = new RegExp(RULES.map(hintSource).join("|"));
/** For each alternative of HINTS: the rules it shows present (itself, and string hints it starts with). */
const HINT_MASKS = HINT_ORDER.map((i) => {
  const hint = RULES[i]!.hint;
  let mask = 1 << i;
  RULES.forEach((other, j) => {
    if (typeof hint === "string" && typeof other.hint === "string" && hint.startsWith(other.hint)) mask |= 1 << j;
  });
  return mask;
});

/** Bit i set: RULES[i]'s hint occurs in `norm`. */
function hintMask(norm: string): number {
  let mask = 0;
  HINTS.lastIndex = 0;
  for (let m = HINTS.exec(norm); m !== null; m = HINTS.exec(norm)) {
    for (let g = 1; g < m.length; g++) {
      if (m[g] !== undefined) {
        mask |= HINT_MASKS[g - 1]!;
        break;
      }
    }
    HINTS.lastIndex = m.index + 1;
  }
  return mask;
}
/** Every assignment needs one of these names; the full patterns are only tried when one is there. */
const ASSIGNMENT_HINT = /key|secret|token|bearer|pass|pwd|密钥|令牌|密码|口令/i;

/** Names that introduce a random-looking key or token. */
const KEY_ASSIGNMENT =
  /(?<![A-Za-z0-9])(?:api[_-]?key|apikey|api[_-]?secret|secret[_-]?key|secret|client[_-]?secret|access[_-]?key(?:[_-]?id)?|secret[_-]?access[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|bearer|token|private[_-]?key|密钥|令牌|访问密钥)["']?\s*(?:[:=]|：|=>)\s*["']?(?:bearer\s+)?([A-Za-z0-9+/_\-.=]{16,512})/gi;
const CODE_REFERENCE = /^(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*$|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/** Names that introduce a password: any value of 6+ non-space characters. */
const PASSWORD_ASSIGNMENT =
  /(?<![A-Za-z0-9])(?:password|passwd|pwd|passcode|pass|密码|口令)["']?\s*(?:[:=]|：|是|为)\s*["']?([!-~]{6,128})/gi;

const counts = new Uint16Array(128);

/** Shannon entropy in bits per character of an ASCII value (the assignment values are ASCII). */
function entropy(value: string): number {
  counts.fill(0);
  for (let i = 0; i < value.length; i++) counts[value.charCodeAt(i) & 127]!++;
  let bits = 0;
  for (let c = 0; c < 128; c++) {
    const n = counts[c]!;
    if (n === 0) continue;
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function classes(value: string): number {
  return (
    Number(/[a-z]/.test(value)) +
    Number(/[A-Z]/.test(value)) +
    Number(/\d/.test(value)) +
    Number(/[^A-Za-z0-9]/.test(value))
  );
}

function jwtHeaderOk(token: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString("utf8")) as unknown;
    return typeof header === "object" && header !== null && "alg" in header;
  } catch {
    return false;
  }
}

/** Strips quotes/punctuation a value commonly ends with in prose and code ("…abc",  …abc.  …abc;). */
function trimValue(value: string): string {
  return value.replace(/["',;.)\]}>]+$/, "");
}

export const secretDetector: Detector = {
  name: "secret",
  types: ["SECRET"],
  detect({ norm }: ScanInput): Detection[] {
    const out: Detection[] = [];
    if (ANY_HINT.test(norm)) rules(norm, hintMask(norm), out);
    if (ASSIGNMENT_HINT.test(norm)) assignments(norm, out);
    return out;
  },
};

function rules(norm: string, mask: number, out: Detection[]): void {
  for (let i = 0; i < RULES.length; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const rule = RULES[i]!;
    for (const m of execAll(rule.pattern, norm)) {
      if (rule.check && !rule.check(m[0])) continue;
      out.push({
        start: m.index,
        end: m.index + m[0].length,
        type: "SECRET",
        score: rule.score,
        detector: `secret/${rule.name}`,
      });
    }
  }
}

function assignments(norm: string, out: Detection[]): void {
  for (const m of execAll(KEY_ASSIGNMENT, norm)) {
    const end0 = m.index + m[0].length;
    const value = trimValue(m[1]!);
    // Random keys carry digits; code references ("process.env.API_KEY", "config.apiToken") and
    // environment variable names do not look random even when long.
    if (value.length < 16 || classes(value) < 2 || !/\d/.test(value) || CODE_REFERENCE.test(value)) continue;
    const bits = entropy(value);
    if (bits < 3) continue;
    const end = end0 - m[1]!.length + value.length;
    out.push({
      start: end - value.length,
      end,
      type: "SECRET",
      score: clamp01(0.7 + (bits >= 4 ? 0.1 : 0)),
      detector: "secret/assignment",
    });
  }
  for (const m of execAll(PASSWORD_ASSIGNMENT, norm)) {
    const end0 = m.index + m[0].length;
    const value = trimValue(m[1]!);
    if (value.length < 6 || /^(?:null|none|true|false|undefined|\*+|x+|<[^>]*>|\$\{[^}]*\}|\{\{.*\}\})$/i.test(value))
      continue;
    const end = end0 - m[1]!.length + value.length;
    out.push({ start: end - value.length, end, type: "SECRET", score: 0.75, detector: "secret/password" });
  }
}
