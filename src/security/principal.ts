import type { Role } from "./roles.js";

/** Who is calling: resolved from an API key (or the configured admin key). */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}
