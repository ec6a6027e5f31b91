// PERSON: names found by dictionaries and context — a heuristic, not a named-entity model.
// Chinese (surname list incl. compound surnames, then a 1–2 character given name):
//   0.85 after a label or phrase that introduces a person (姓名：, 联系人, 收件人, 我叫, 尊敬的 …) or
//        right before a title (先生, 女士, 老师, 经理 …);
//   0.55 with no context, only when every given-name character is common in names and the name is
//        delimited by punctuation or a function word (的, 是, 说 …), and never for surnames that are
//        everyday words (和, 于, 国, 明 …).
// English (capitalised tokens):
//   0.85 after a title (Mr., Mrs., Dr., Prof. …) — the title is not part of the span;
//   0.8  after "my name is", "Name:", "Dear", "Attn:", "Patient:", a JSON key such as "customer" …;
//   0.75 two capitalised tokens after a greeting ("Hi Donnell McDermott");
//   0.7  a dictionary first name followed by a capitalised surname ("Linda Okafor").
// Limits: names written without context, with rare surnames or given names, in pinyin without a title,
// lower-cased, or transliterated foreign names in Chinese (约翰·史密斯) are missed; Chinese words that
// happen to start with a surname character can be reported when a title or label follows them; names
// that are ordinary English words (Will, Grace) are only found after a title or a label.

import { execAll, execAllUnglued, textStats } from "../context.js";
import { EN_FIRST_NAMES } from "../dictionaries/en-first-names.js";
import { ZH_GIVEN_NAME_CHARS } from "../dictionaries/zh-given-name-chars.js";
import { ZH_COMPOUND_SURNAMES, ZH_SINGLE_SURNAMES } from "../dictionaries/zh-surnames.js";
import type { Detection, Detector, ScanInput } from "../types.js";

const HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff";
const SURNAME = `(?:${[...ZH_COMPOUND_SURNAMES].join("|")}|[${[...ZH_SINGLE_SURNAMES].join("")}])`;
const TITLES =
  "先生|女士|小姐|老师|医生|大夫|教授|经理|总监|同学|师傅|律师|主任|博士|院士|同志|阿姨|叔叔|总经理|局长|处长|科长|书记";

const ZH_LABELLED = new RegExp(
  `(?:"?(?:name|full_?name|contact|customer)"?\\s*[:=]\\s*"?|姓名|名字|联系人|收件人|收货人|寄件人|患者|病人|客户|申请人|负责人|经办人|持卡人|户主|法人代表|签名|署名|我叫|我是|名叫|叫做|本人|亲爱的|尊敬的|致)\\s*"?\\s*[:：=]?\\s*"?\\s*(${SURNAME})([${HAN}]{1,2})`,
  "g",
);
const WEAK_LABEL = /^(?:我是|本人|致)/;
const ZH_TITLE = new RegExp(`(?:${TITLES})`, "g");

/** Characters that end a given name (function words, verbs and title starts). */
const STOP = new Set(
  "的是在和与及跟给向对把被让请叫由从为说了也都就将到于先女小老同经教医已曾还正要会能可应您你我他她它等、家们",
);
/** Surnames that are mostly everyday words; never guessed without context. */
const AMBIGUOUS_SURNAMES = new Set(
  "和于时明国平来都海原南云相门初计支位满区容敬强花权盖练井丰卿宣阳全应连商沙荣桑仲池官封谈乐惠燕楚劳皮盘闻伊帅豆巴普伏薄羊阿乌母衣修向文成单安齐易常温康方白江龙史石金关甘包宁尚符舒梅曲车项路游管蓝华司古吉简席米宗边师双万钱高田程东党宫费冷查麻迟谷盛水元夏",
);

// The context-free guess only considers unambiguous surnames followed by common given-name characters.
// It runs over every Chinese character, so it is a table lookup per character rather than a regex (an
// alternation of ~60 compound surnames tried at every Han character cost more than all other rules).
const BARE_SINGLE = 1;
const GIVEN = 2;
const COMPOUND_FIRST = 4;
const FLAGS = new Uint8Array(0x10000);
const COMPOUND_PAIRS = new Set<number>();
for (const c of ZH_SINGLE_SURNAMES) if (!AMBIGUOUS_SURNAMES.has(c)) FLAGS[c.charCodeAt(0)]! |= BARE_SINGLE;
for (const c of ZH_GIVEN_NAME_CHARS) FLAGS[c.charCodeAt(0)]! |= GIVEN;
for (const name of ZH_COMPOUND_SURNAMES) {
  FLAGS[name.charCodeAt(0)]! |= COMPOUND_FIRST;
  COMPOUND_PAIRS.add(name.charCodeAt(0) * 0x10000 + name.charCodeAt(1));
}

const isGiven = (norm: string, i: number) => i < norm.length && (FLAGS[norm.charCodeAt(i)]! & GIVEN) !== 0;

/** Lengths of the last bare-name candidate findBareName found. */
let bareSurnameLength = 0;
let bareGivenLength = 0;

/**
 * The first index ≥ `from` where an unambiguous surname (a compound one first, as the alternation
 * order of a regex would try it) is followed by 1–2 given-name characters (greedy); -1 when none.
 */
function findBareName(norm: string, from: number): number {
  for (let p = from; p < norm.length; p++) {
    const flags = FLAGS[norm.charCodeAt(p)]!;
    if (flags === 0) continue;
    if (
      (flags & COMPOUND_FIRST) !== 0 &&
      p + 1 < norm.length &&
      COMPOUND_PAIRS.has(norm.charCodeAt(p) * 0x10000 + norm.charCodeAt(p + 1)) &&
      isGiven(norm, p + 2)
    ) {
      bareSurnameLength = 2;
      bareGivenLength = isGiven(norm, p + 3) ? 2 : 1;
      return p;
    }
    if ((flags & BARE_SINGLE) !== 0 && isGiven(norm, p + 1)) {
      bareSurnameLength = 1;
      bareGivenLength = isGiven(norm, p + 2) ? 2 : 1;
      return p;
    }
  }
  return -1;
}

function isHan(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const code = ch.charCodeAt(0);
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf);
}

/** Drops trailing given-name characters that are function words ("我叫王明的" → 王明). */
function trimGiven(given: string): string {
  if (given.length === 2 && STOP.has(given[1]!)) return given.slice(0, 1);
  return given;
}

function chinese(norm: string, out: Detection[]): void {
  for (const m of execAll(ZH_LABELLED, norm)) {
    const given = trimGiven(m[2]!);
    if (STOP.has(given[0]!)) continue;
    // After a weak label (我是, 本人, 致) an everyday-word surname needs typical given-name characters.
    const weak = WEAK_LABEL.test(m[0].slice(0, m[0].length - m[1]!.length - m[2]!.length));
    if (weak && AMBIGUOUS_SURNAMES.has(m[1]!) && ![...given].every((ch) => ZH_GIVEN_NAME_CHARS.has(ch))) continue;
    const start = m.index + m[0].length - m[1]!.length - m[2]!.length;
    out.push({
      start,
      end: start + m[1]!.length + given.length,
      type: "PERSON",
      score: 0.85,
      detector: "person/zh-label",
    });
  }
  for (const m of execAll(ZH_TITLE, norm)) titled(norm, m.index, out);
  for (let start = findBareName(norm, 0); start >= 0; ) {
    const matchEnd = start + bareSurnameLength + bareGivenLength;
    const given = trimGiven(norm.slice(start + bareSurnameLength, matchEnd));
    const end = start + bareSurnameLength + given.length;
    const prev = norm[start - 1];
    const next = norm[end];
    const ok = !(isHan(prev) && !STOP.has(prev!)) && !(isHan(next) && !STOP.has(next!));
    if (ok) out.push({ start, end, type: "PERSON", score: 0.55, detector: "person/zh-dictionary" });
    // When the surname may have been the end of a word ("感谢王…"), retry one character later.
    start = findBareName(norm, ok ? matchEnd : start + 1);
  }
}

const startsName = (ch: string | undefined) => !isHan(ch) || STOP.has(ch!);

/**
 * The name right before a title ("王秀英女士"): which 2–4 characters? Longest (compound surname + two
 * characters) first, accepting one that starts after a non-Han character or a function word; when
 * every option is glued to a preceding word ("感谢李明经理"), the shortest one, with a lower score.
 */
function titled(norm: string, titleAt: number, out: Detection[]): void {
  const options: { start: number; surnameLength: number }[] = [
    { start: titleAt - 4, surnameLength: 2 },
    { start: titleAt - 3, surnameLength: 2 },
    { start: titleAt - 3, surnameLength: 1 },
    { start: titleAt - 2, surnameLength: 1 },
  ];
  let fallback: number | undefined;
  for (const { start, surnameLength } of options) {
    if (start < 0) continue;
    const surname = norm.slice(start, start + surnameLength);
    const given = norm.slice(start + surnameLength, titleAt);
    const known = surnameLength === 2 ? ZH_COMPOUND_SURNAMES.has(surname) : ZH_SINGLE_SURNAMES.has(surname);
    if (!known || ![...given].every((ch) => isHan(ch) && !STOP.has(ch))) continue;
    if (startsName(norm[start - 1])) {
      out.push({ start, end: titleAt, type: "PERSON", score: 0.85, detector: "person/zh-title" });
      return;
    }
    // Glued to the word before it: only a name-like candidate with an unambiguous surname.
    if (!AMBIGUOUS_SURNAMES.has(surname) && [...given].every((ch) => ZH_GIVEN_NAME_CHARS.has(ch))) fallback = start;
  }
  if (fallback !== undefined) {
    out.push({ start: fallback, end: titleAt, type: "PERSON", score: 0.7, detector: "person/zh-title" });
  }
}

// A capitalised name token: Smith, McDermott, O'Conner, D'Angelo, Treutel-Leuschke.
const CAP = "[A-Z](?:[a-z]+(?:[A-Z][a-z]+)?|['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)?";
const NAME_TOKENS = `(?:${CAP})(?:\\s+(?:[A-Z]\\.\\s+)?(?:${CAP})){0,2}`;
// The English patterns start at a word boundary, but as a check in code (execAllUnglued with isWord)
// rather than a leading \b, so V8 can skip to the letters a match can start with. (EN_CONTEXT's only
// alternative that starts with a non-word character, the JSON key's quote, had no \b to begin with,
// so there the check is skipped.)
// Titles, labels and greetings in one scan (one pass over the text instead of three); which group
// matched decides the score. Greetings need two name tokens ("Hi Team" is not a person).
const EN_CONTEXT = new RegExp(
  `(?:((?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Madam|Mister|Doctor)\\.?\\s+)|("(?:name|full_?name|customer|contact|patient|author|user_?name|recipient|sender)"\\s*:\\s*"|[Mm]y name is|[Mm]y name's|[Nn]ame\\s*:|NAME\\s*:|[Dd]ear|ATTN:?|[Aa]ttn\\.?:?|[Pp]atient\\s*:|[Cc]ustomer\\s*:|[Cc]ontact(?: person)?\\s*:|[Ss]incerely,|[Rr]egards,|[Ss]igned,?|[Cc]alled|[Nn]amed)\\s*|((?:Hi|Hello|Hey|Thanks|Thank you|Greetings|Welcome)\\s*,?\\s+)(?=${CAP}\\s+(?:[A-Z]\\.\\s+)?${CAP}\\b))(${NAME_TOKENS})`,
  "g",
);
const EN_DICTIONARY = new RegExp(`([A-Z][a-z]+)\\s+(?:[A-Z]\\.\\s+)?(${CAP})\\b`, "g");
const EN_INTRO = /(?:I am|I'm|[Tt]his is|[Ii]t's)\s+([A-Z][a-z]+)\b(?!\s+[A-Z])/g;

/** Capitalised words that follow a first name without making a person ("Jordan River", "Victoria Street"). */
const NOT_SURNAMES = new Set(
  "Street St Avenue Ave Road Rd Boulevard Blvd Lane Drive Court Way Place Square Park River Lake Mountain Island Islands County City State University College School Hospital Church Inc Corp Company Ltd Group Bank Airport Station Hotel Center Centre Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April June July August September October November December The And Or Of".split(
    " ",
  ),
);

/** [A-Za-z0-9_]: a \b before a word character fails after one of these. */
const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * EN_FIRST_NAMES capitalised, for tokens matched as [A-Z][a-z]+: `has(token)` here is
 * `EN_FIRST_NAMES.has(token.toLowerCase())` without allocating the lower-cased copy.
 */
const CAPITALISED_FIRST_NAMES: ReadonlySet<string> = new Set(
  [...EN_FIRST_NAMES].map((name) => name.charAt(0).toUpperCase() + name.slice(1)),
);

function english(norm: string, out: Detection[]): void {
  EN_CONTEXT.lastIndex = 0;
  for (let m = EN_CONTEXT.exec(norm); m !== null; m = EN_CONTEXT.exec(norm)) {
    if (m.index > 0 && norm.charCodeAt(m.index) !== 34 /* " */ && isWord(norm.charCodeAt(m.index - 1))) {
      EN_CONTEXT.lastIndex = m.index + 1;
      continue;
    }
    const nameText = m[4]!;
    const start = m.index + m[0].length - nameText.length;
    if (m[1] === undefined) {
      const name = nameText.split(/\s+/);
      if (NOT_SURNAMES.has(name.at(-1)!) || NOT_SURNAMES.has(name[0]!)) continue;
    }
    const [score, rule] =
      m[1] !== undefined ? [0.85, "en-title"] : m[2] !== undefined ? [0.8, "en-label"] : [0.75, "en-greeting"];
    out.push({ start, end: start + nameText.length, type: "PERSON", score, detector: `person/${rule}` });
  }
  for (const m of execAllUnglued(EN_DICTIONARY, norm, isWord)) {
    if (!CAPITALISED_FIRST_NAMES.has(m[1]!) || NOT_SURNAMES.has(m[2]!)) continue;
    out.push({
      start: m.index,
      end: m.index + m[0].length,
      type: "PERSON",
      score: 0.7,
      detector: "person/en-dictionary",
    });
  }
  // A lone first name after "I am" / "this is" (no surname): weaker, but still a name.
  for (const m of execAllUnglued(EN_INTRO, norm, isWord)) {
    if (!CAPITALISED_FIRST_NAMES.has(m[1]!)) continue;
    const start = m.index + m[0].length - m[1]!.length;
    out.push({ start, end: start + m[1]!.length, type: "PERSON", score: 0.6, detector: "person/en-intro" });
  }
}

export const personDetector: Detector = {
  name: "person",
  types: ["PERSON"],
  detect(input: ScanInput): Detection[] {
    const { norm } = input;
    const out: Detection[] = [];
    if (textStats(input).hasHan) chinese(norm, out);
    if (/[A-Z][a-z]/.test(norm)) english(norm, out);
    return out;
  },
};
