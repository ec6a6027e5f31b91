// ADDRESS: street addresses by structure — a heuristic with known limits.
// Chinese: anchored on a house number "NN号". The characters before it (up to 40 Han characters and
//   digits, stopping at punctuation) are the address, trimmed after the last word that introduces a
//   place (地址, 住在, 位于, 在, 寄到 …). With an administrative marker (省/自治区/市/区/县/镇/乡/街道)
//   the whole run is kept (0.8); without one it must end with a street word (路, 街, 大道, 巷, 弄,
//   胡同, 里, 村, 桥, 小区, 中心 …) and only the street is kept (0.6). Unit details after the number
//   (3号楼2单元501室, 公寓 814) are included. "11月5号", "第3号", "5号线" are not addresses.
// English: a house number, an optional direction, 1–4 capitalised words and a USPS street suffix
//   (Street, Ave, Boulevard, Fork, Islands …), or no suffix but an Apt./Suite/Unit part, optionally
//   followed by ", City, ST 12345"; and P.O. boxes (0.8).
// Limits: addresses without a house number (北京市朝阳区建国路, "Main Street"), rural or landmark
//   addresses, non-US/UK formats (German "Hauptstraße 5", Japanese block numbers), and addresses split
//   across lines are missed; the boundary on the left of a Chinese address glued to other words
//   without a place word in between can include a word too many.
import { execAll, textStats } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

const HOUSE_NUMBER = /(\d{1,5})号(?!线|机|位|令|码|选手|文件|字|球|病房|车)/g;
const ADMIN = /省|自治区|特别行政区|市|区|县|旗|镇|乡|街道/;
const STREET_END =
  /(?:路|街|大街|大道|道|巷|弄|胡同|里|村|庄|屯|桥|园|苑|湾|坊|城|小区|花园|新村|广场|大厦|中心|公寓|\d{1,5}弄)$/;
// "和" and "与" are left out: they start road names (和平路) more often than they join an address.
const PLACE_INTRO = /(?:地址|住址|地点|住在|住|位于|在|于|到了|到|至|往|寄往|寄到|寄至|送到|送至|发往|来自|是|为)/g;
const UNIT =
  /(?:\s?(?:公寓|套房|房间|室)\s?\d{1,5}(?:室|号)?|(?:号?楼|栋|幢|座|单元|层)?\s?\d{1,5}\s?(?:室|楼|层|单元|栋|幢|座|号)|号?楼|栋|幢|座|单元)/y;

function isHanOrDigit(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 48 && code <= 57);
}

function chinese(norm: string, out: Detection[]): void {
  let consumedTo = 0;
  for (const m of execAll(HOUSE_NUMBER, norm)) {
    const numberAt = m.index;
    if (numberAt < consumedTo) continue;
    if (numberAt > 0 && norm.charCodeAt(numberAt - 1) >= 48 && norm.charCodeAt(numberAt - 1) <= 57) continue;
    let start = numberAt;
    while (start > 0 && numberAt - start < 40 && isHanOrDigit(norm.charCodeAt(start - 1))) start--;
    let left = norm.slice(start, numberAt);
    // Cut after the last place-introducing word.
    let cut = -1;
    for (const p of execAll(PLACE_INTRO, left)) cut = p.index + p[0].length;
    if (cut > 0) {
      start += cut;
      left = left.slice(cut);
    }
    if (left.length === 0 || /月$|第$|^\d+$/.test(left)) continue;
    let score: number;
    if (ADMIN.test(left)) {
      score = 0.8;
    } else {
      const street = STREET_END.exec(left);
      if (street === null) continue;
      // Street name: up to 6 characters before the street word.
      const keep = Math.min(left.length, street[0].length + 6);
      start += left.length - keep;
      score = 0.6;
    }
    let end = numberAt + m[0].length;
    UNIT.lastIndex = end;
    for (let u = UNIT.exec(norm); u !== null && u[0].length > 0; u = UNIT.exec(norm)) end = UNIT.lastIndex;
    consumedTo = end;
    out.push({ start, end, type: "ADDRESS", score, detector: "address/zh" });
  }
}

// USPS Publication 28 street suffixes (full words and standard abbreviations).
const SUFFIXES =
  "Alley|Aly|Annex|Arcade|Avenue|Ave|Bayou|Beach|Bend|Bluff|Bluffs|Bottom|Boulevard|Blvd|Branch|Bridge|Brook|Brooks|Burg|Bypass|Camp|Canyon|Cape|Causeway|Center|Centre|Circle|Cir|Cliff|Cliffs|Club|Common|Commons|Corner|Corners|Course|Court|Ct|Courts|Cove|Coves|Creek|Crescent|Crest|Crossing|Crossroad|Curve|Dale|Dam|Divide|Drive|Dr|Drives|Estate|Estates|Expressway|Expy|Extension|Fall|Falls|Ferry|Field|Fields|Flat|Flats|Ford|Fords|Forest|Forge|Forges|Fork|Forks|Fort|Freeway|Fwy|Garden|Gardens|Gateway|Glen|Glens|Green|Greens|Grove|Groves|Harbor|Harbors|Haven|Heights|Hts|Highway|Hwy|Hill|Hills|Hollow|Inlet|Island|Islands|Isle|Junction|Junctions|Key|Keys|Knoll|Knolls|Lake|Lakes|Landing|Lane|Ln|Light|Lights|Loaf|Lock|Locks|Lodge|Loop|Mall|Manor|Manors|Meadow|Meadows|Mews|Mill|Mills|Mission|Motorway|Mount|Mountain|Mountains|Neck|Orchard|Oval|Overpass|Park|Parks|Parkway|Pkwy|Pass|Passage|Path|Pike|Pine|Pines|Place|Pl|Plain|Plains|Plaza|Point|Points|Port|Ports|Prairie|Radial|Ramp|Ranch|Rapid|Rapids|Rest|Ridge|Ridges|River|Road|Rd|Roads|Route|Row|Rue|Run|Shoal|Shoals|Shore|Shores|Skyway|Spring|Springs|Spur|Square|Sq|Squares|Station|Stravenue|Stream|Street|St|Streets|Summit|Terrace|Ter|Throughway|Trace|Track|Trafficway|Trail|Trl|Trailer|Tunnel|Turnpike|Underpass|Union|Unions|Valley|Valleys|Via|Viaduct|View|Views|Village|Villages|Ville|Vista|Walk|Walks|Wall|Way|Ways|Well|Wells";
const UNIT_EN = "(?:,?\\s+(?:Apt\\.?|Apartment|Suite|Ste\\.?|Unit|Fl\\.?|Floor|Room|Rm\\.?|#)\\s*#?[A-Za-z0-9-]{1,6})";
const CITY = "[A-Z]['’]?[a-z]+(?:-[A-Z][a-z]+)?";
const CITY_STATE_ZIP = `(?:,\\s*${CITY}(?:\\s+${CITY}){0,2},?\\s+[A-Z]{2}\\s+\\d{5}(?:-\\d{4})?)`;
const DIRECTION = "(?:(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)\\.?\\s+)";
const POST_DIRECTION = "(?:\\s+(?:[NSEW]|NE|NW|SE|SW)\\b)";
// A street-name token: Main, McKinley, O'Kon, D'Amore, Kuhic-Casper, 6th.
const WORD = "(?:[A-Z](?:[a-z]+(?:[A-Z][a-z]+)?|['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)?|\\d{1,3}(?:st|nd|rd|th))";
const NAME = `(?:${WORD}\\s+){0,3}?${WORD}`;
// House number, optional direction, then a street name ending in a suffix (optionally a unit and a
// city line), or without a suffix but followed by a unit or a ", City, ST 12345" line.
const EN_STREET = new RegExp(
  `(?<![0-9A-Za-z#-])\\d{1,6}[A-Z]?\\s+${DIRECTION}?(?:${NAME}\\s+(?:${SUFFIXES})\\b\\.?${POST_DIRECTION}?${UNIT_EN}?${CITY_STATE_ZIP}?|${NAME}${UNIT_EN}${CITY_STATE_ZIP}?|${NAME}${CITY_STATE_ZIP})`,
  "g",
);
const PO_BOX = /\bP\.?\s?O\.?\s*Box\s+\d{1,6}\b/gi;

function english(norm: string, out: Detection[]): void {
  for (const m of execAll(EN_STREET, norm)) {
    out.push({ start: m.index, end: m.index + m[0].length, type: "ADDRESS", score: 0.8, detector: "address/en" });
  }
  for (const m of execAll(PO_BOX, norm)) {
    out.push({ start: m.index, end: m.index + m[0].length, type: "ADDRESS", score: 0.8, detector: "address/po-box" });
  }
}

export const addressDetector: Detector = {
  name: "address",
  types: ["ADDRESS"],
  detect(input: ScanInput): Detection[] {
    const { norm } = input;
    const stats = textStats(input);
    const out: Detection[] = [];
    // Every rule is anchored on a house number, box number or ZIP code.
    if (stats.digits === 0) return out;
    if (stats.hasHao) chinese(norm, out);
    if (/\d\s+(?:[A-Z]|\d{1,3}(?:st|nd|rd|th)\b)/.test(norm) || /box/i.test(norm)) english(norm, out);
    return out;
  },
};
