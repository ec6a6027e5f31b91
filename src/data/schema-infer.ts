// Infers a dataset's schema while rows stream past: for each top-level field, the JSON types of its
// values and whether it is ever null or missing. Constant memory per field; at most MAX_FIELDS
// fields are tracked so rows with random keys cannot grow it without bound.
import type { DatasetSchema, FieldSchema, FieldType, JsonValue, Row } from "./types.js";

const MAX_FIELDS = 1000;
const TYPE_BITS: Record<FieldType, number> = { string: 1, integer: 2, number: 4, boolean: 8, array: 16, object: 32 };
const TYPE_ORDER = Object.keys(TYPE_BITS) as FieldType[];

interface FieldCounts {
  types: number;
  present: number;
  nulls: number;
}

export class SchemaBuilder {
  private readonly fields = new Map<string, FieldCounts>();
  private rows = 0;
  private truncated = false;

  observe(row: Row): void {
    this.rows++;
    for (const key in row) {
      let counts = this.fields.get(key);
      if (!counts) {
        if (this.fields.size >= MAX_FIELDS) {
          this.truncated = true;
          continue;
        }
        counts = { types: 0, present: 0, nulls: 0 };
        this.fields.set(key, counts);
      }
      const value = row[key];
      if (value === null || value === undefined) counts.nulls++;
      else {
        counts.present++;
        counts.types |= TYPE_BITS[typeOf(value)];
      }
    }
  }

  result(): DatasetSchema {
    const fields: Record<string, FieldSchema> = {};
    for (const [name, c] of this.fields) {
      let bits = c.types;
      // A field with both integers and fractions is a number.
      if (bits & TYPE_BITS.number) bits &= ~TYPE_BITS.integer;
      const missing = this.rows - c.present - c.nulls;
      fields[name] = {
        types: TYPE_ORDER.filter((t) => bits & TYPE_BITS[t]),
        nullable: c.nulls + missing > 0,
        present: c.present,
        nulls: c.nulls,
        missing,
      };
    }
    return this.truncated ? { fields, truncated: true } : { fields };
  }
}

export function typeOf(value: Exclude<JsonValue, null>): FieldType {
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return Number.isInteger(value) ? "integer" : "number";
    case "boolean":
      return "boolean";
    default:
      return Array.isArray(value) ? "array" : "object";
  }
}

/** Renders a field's type for people: `string`, `integer?` (nullable), `string|integer`. */
export function describeField(field: FieldSchema): string {
  const types = field.types.length ? field.types.join("|") : "null";
  return field.nullable && field.types.length ? `${types}?` : types;
}
