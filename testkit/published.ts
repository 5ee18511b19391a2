// Reading what the notifier published: the MessageStructure "json" document and its parts.
import type { PublishInput } from "../handler/support/deps";

export interface Structure {
  default: string;
  email: string;
  "email-json": string;
  https: string;
}

export function structureOf(m: { message: string }): Structure {
  return JSON.parse(m.message) as Structure;
}

/** A published message with `message` replaced by its email text, for assertions on what people read. */
export type ReadablePublish = PublishInput & { structure: Structure; doc: Record<string, unknown> };

export function readable(m: PublishInput): ReadablePublish {
  const structure = structureOf(m);
  return {
    ...m,
    message: structure.email,
    structure,
    doc: JSON.parse(structure.default) as Record<string, unknown>,
  };
}
