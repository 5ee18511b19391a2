// The Amazon Q Developer in chat applications (AWS Chatbot) custom notification schema, as its
// documentation gives it (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html):
// version "1.0", source "custom", content with a description, optional metadata. Unknown fields are refused, so a typo fails the test.
import Ajv from "ajv";

const strings = { type: "array", items: { type: "string", minLength: 1 } };

export const CHAT_NOTIFICATION_SCHEMA = {
  type: "object",
  required: ["version", "source", "content"],
  additionalProperties: false,
  properties: {
    version: { const: "1.0" },
    source: { const: "custom" },
    id: { type: "string" },
    content: {
      type: "object",
      required: ["description"],
      additionalProperties: false,
      properties: {
        textType: { const: "client-markdown" },
        title: { type: "string", minLength: 1, maxLength: 250 },
        description: { type: "string", minLength: 1, maxLength: 8000 },
        nextSteps: strings,
        keywords: strings,
      },
    },
    metadata: {
      type: "object",
      additionalProperties: false,
      properties: {
        threadId: { type: "string", minLength: 1 },
        summary: { type: "string" },
        eventType: { type: "string" },
        relatedResources: strings,
        additionalContext: { type: "object", additionalProperties: { type: "string" } },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile(CHAT_NOTIFICATION_SCHEMA);

/** The schema errors of a chat notification, empty when valid. */
export function chatSchemaErrors(card: unknown): string[] {
  return validate(card) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
}
