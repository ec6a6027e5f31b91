// Language identification, small and fast: the writing system decides most languages (Han → zh,
// kana → ja, Hangul → ko, Cyrillic → ru, …); Latin-script text is told apart by function words
// (en, fr, de, es, it, pt, nl). Mixed Chinese/English text counts one Han character as worth
// about 2.5 Latin letters, so Chinese with English terms stays zh.
// Limits: Latin text with no function words ("Buy now!") is guessed as en with low confidence;
// Cyrillic is always ru, Arabic script always ar; only the first 8,192 characters are read.

export interface LanguageGuess {
  /** ISO 639-1 code, or `und` when the text has no letters. */
  lang: string;
  /** 0–1: how sure the guess is. */
  confidence: number;
}

const SAMPLE = 8192;
const HAN_WEIGHT = 2.5;

enum S {
  Latin,
  Han,
  Kana,
  Hangul,
  Cyrillic,
  Arabic,
  Devanagari,
  Thai,
  Greek,
  Hebrew,
  Count,
}

const SCRIPT_LANG: Partial<Record<S, string>> = {
  [S.Hangul]: "ko",
  [S.Cyrillic]: "ru",
  [S.Arabic]: "ar",
  [S.Devanagari]: "hi",
  [S.Thai]: "th",
  [S.Greek]: "el",
  [S.Hebrew]: "he",
};

function scriptOf(c: number): S | -1 {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? S.Latin : -1;
  if (c >= 0x4e00 && c <= 0x9fff) return S.Han;
  if (c >= 0xc0 && c <= 0x24f) return c === 0xd7 || c === 0xf7 ? -1 : S.Latin;
  if (c >= 0x3040 && c <= 0x30ff) return c === 0x30fb || c === 0x30fc ? -1 : S.Kana; // ・ー are shared
  if (c >= 0xac00 && c <= 0xd7af) return S.Hangul;
  if (c >= 0x3400 && c <= 0x4dbf) return S.Han;
  if (c >= 0xf900 && c <= 0xfaff) return S.Han;
  if (c >= 0x0400 && c <= 0x04ff) return S.Cyrillic;
  if (c >= 0x0600 && c <= 0x06ff) return S.Arabic;
  if (c >= 0x0900 && c <= 0x097f) return S.Devanagari;
  if (c >= 0x0e00 && c <= 0x0e7f) return S.Thai;
  if (c >= 0x0370 && c <= 0x03ff) return S.Greek;
  if (c >= 0x0590 && c <= 0x05ff) return S.Hebrew;
  if ((c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f)) return S.Hangul;
  if (c >= 0x31f0 && c <= 0x31ff) return S.Kana;
  if (c >= 0x1e00 && c <= 0x1eff) return S.Latin;
  return -1;
}

// Frequent function words, chosen to overlap little between the languages.
const STOPWORDS: Record<string, string[]> = {
  en: "the of and to in is that it was for on are with as be at by this have from or had not but what all were when we there can an which their said if will would each about how up out them then she some so these other into has her him could than been its who now my did only may after just where most through before our any same also because does even such here why well should those while both few under over again very between own being".split(
    " ",
  ),
  fr: "le la les des et est une un du en que qui dans pour pas sur au avec ce il elle sont par plus ne se nous vous votre notre vos mais ou leur aux été cette ces comme être fait tout ont peut très aussi sans entre même avant merci".split(
    " ",
  ),
  de: "der die das und ist nicht ein eine den von zu mit sich des auf für im dem auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man".split(
    " ",
  ),
  es: "el la los las de que y en un una es por con no para del se al lo como más pero sus le ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese eso ante ellos".split(
    " ",
  ),
  it: "il di che è la per un una non sono del della le da gli con si nel alla dei anche come più ma ha lo ci questo delle sua al essere ho hanno nella questa dal degli loro suo molto".split(
    " ",
  ),
  pt: "o a os as de que e do da em um uma para é com não por mais se na no dos das ao como mas foi ele ela pelo pela são também já muito seu sua ou quando isso há até está nos".split(
    " ",
  ),
  nl: "de het een en van is dat op te in zijn niet met voor die er aan ook als bij om maar dan dit wordt nog worden door naar tot kan uit wel deze hij zij meer geen werd heeft".split(
    " ",
  ),
};

// Words shared between languages count for none of them.
const WORD_LANG = new Map<string, string | null>();
for (const [lang, words] of Object.entries(STOPWORDS)) {
  for (const w of new Set(words)) {
    const seen = WORD_LANG.get(w);
    WORD_LANG.set(w, seen === undefined ? lang : seen === lang ? lang : null);
  }
}

export function detectLanguage(text: string): LanguageGuess {
  const n = Math.min(text.length, SAMPLE);
  const counts = new Array<number>(S.Count).fill(0);
  for (let i = 0; i < n; i++) {
    const s = scriptOf(text.charCodeAt(i));
    if (s !== -1) counts[s]!++;
  }
  const han = counts[S.Han]!;
  const kana = counts[S.Kana]!;
  const weights = counts.slice();
  weights[S.Han] = (han + kana) * HAN_WEIGHT;
  weights[S.Kana] = 0;
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return { lang: "und", confidence: 0 };
  let best: S = S.Latin;
  for (let s = 0; s < S.Count; s++) if (weights[s]! > weights[best]!) best = s as S;
  const share = weights[best]! / total;
  if (best === S.Han) {
    // Japanese mixes kana into Han text; Chinese never does beyond a stray character.
    const lang = kana > Math.max(1, 0.08 * (han + kana)) ? "ja" : "zh";
    return { lang, confidence: round(share) };
  }
  if (best !== S.Latin) return { lang: SCRIPT_LANG[best] ?? "und", confidence: round(share) };
  return latinLanguage((text.length > SAMPLE ? text.slice(0, SAMPLE) : text).toLowerCase(), share);
}

const MAX_STOPWORD = Math.max(...[...WORD_LANG.keys()].map((w) => w.length));

function isLatinLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 0xe0 && c <= 0xff && c !== 0xf7) || c === 39 || c === 0x153;
}

/** Function-word votes over the lower-cased text; letters only one language uses add half a vote. */
function latinLanguage(lower: string, share: number): LanguageGuess {
  const hits: Record<string, number> = {};
  let words = 0;
  let start = -1;
  let es = false;
  let de = false;
  let pt = false;
  let fr = false;
  const n = Math.min(lower.length, SAMPLE);
  for (let i = 0; i <= n; i++) {
    const c = i < n ? lower.charCodeAt(i) : 32;
    if (c >= 0xdf) {
      if (c === 0xf1 || c === 0xbf || c === 0xa1) es = true;
      else if (c === 0xdf || c === 0xe4 || c === 0xf6 || c === 0xfc) de = true;
      else if (c === 0xe3 || c === 0xf5) pt = true;
      else if (c === 0xe7 || c === 0xe8 || c === 0xea || c === 0xeb || c === 0x153) fr = true;
    } else if (c === 0xbf || c === 0xa1) es = true;
    if (isLatinLetter(c)) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      words++;
      // Only short words can be function words: skip the substring for the rest.
      if (i - start <= MAX_STOPWORD) {
        const lang = WORD_LANG.get(lower.slice(start, i));
        if (lang) hits[lang] = (hits[lang] ?? 0) + 1;
      }
      start = -1;
    }
  }
  // Letters only one language uses break ties between shared function words.
  const hinted = es ? "es" : de ? "de" : pt ? "pt" : fr ? "fr" : null;
  if (hinted) hits[hinted] = (hits[hinted] ?? 0) + 0.5;
  const ranked = Object.entries(hits).sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (!first) return { lang: "en", confidence: round(share * 0.3) };
  const margin = (first[1] - (second?.[1] ?? 0)) / (first[1] + 1);
  const coverage = Math.min(1, (first[1] * 4) / Math.max(1, words));
  return { lang: first[0], confidence: round(share * (0.4 + 0.3 * margin + 0.3 * coverage)) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Whether text is mostly CJK (Han, kana or Hangul), so character shingles suit it better than words. */
export function isMostlyCjk(text: string): boolean {
  const n = Math.min(text.length, 2048);
  let cjk = 0;
  let letters = 0;
  for (let i = 0; i < n; i++) {
    const s = scriptOf(text.charCodeAt(i));
    if (s === -1) continue;
    letters++;
    if (s === S.Han || s === S.Kana || s === S.Hangul) cjk++;
  }
  return letters > 0 && cjk * HAN_WEIGHT >= letters - cjk;
}
