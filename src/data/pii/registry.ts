// The detector registry: adding a detector is one file in ./detectors and one line here.
import { addressDetector } from "./detectors/address.js";
import { cnIdDetector } from "./detectors/cn-id.js";
import { creditCardDetector } from "./detectors/credit-card.js";
import { emailDetector } from "./detectors/email.js";
import { ibanDetector } from "./detectors/iban.js";
import { ipv4Detector } from "./detectors/ipv4.js";
import { ipv6Detector } from "./detectors/ipv6.js";
import { personDetector } from "./detectors/person.js";
import { phoneDetector } from "./detectors/phone.js";
import { secretDetector } from "./detectors/secret.js";
import { urlCredentialsDetector } from "./detectors/url-credentials.js";
import type { Detector, PiiType } from "./types.js";

export const DETECTORS: readonly Detector[] = [
  emailDetector,
  phoneDetector,
  cnIdDetector,
  creditCardDetector,
  ibanDetector,
  ipv4Detector,
  ipv6Detector,
  urlCredentialsDetector,
  secretDetector,
  personDetector,
  addressDetector,
];

/** The detectors that can report at least one of `types` (all of them when `types` is undefined). */
export function detectorsFor(types?: ReadonlySet<PiiType>): Detector[] {
  if (types === undefined) return [...DETECTORS];
  return DETECTORS.filter((d) => d.types.some((t) => types.has(t)));
}
