// A hub stack's config as the doctor and the self-test read it, checked by the program's own reader (hub/config.ts readHubConfig): every
// rule `pulumi preview` applies to it, in the same words. Secrets cannot be read here: a secret
// value stands in as a well-formed one, so only its being a secret is checked.
import { PROJECT } from "../../common/config";
import { errorMessage } from "../../common/errors";
import { readHubConfig, type HubConfig } from "../../hub/config";
import { StackConfigError, type StackConfig } from "./stackConfig";

const SECRET_STAND_IN = "https://secret.invalid/not-readable-by-the-doctor";

/** The hub's config as the program reads it, or a StackConfigError naming the file, the key and the fix. */
export function readHubStack(stack: StackConfig): HubConfig {
  const secret = (key: string) => stack.secretKeys.includes(`${PROJECT}:${key}`);
  try {
    return readHubConfig(
      { get: (key) => (secret(key) ? SECRET_STAND_IN : stack.values[`${PROJECT}:${key}`]) },
      secret,
    );
  } catch (err) {
    throw new StackConfigError(`${stack.file}: ${errorMessage(err)}`);
  }
}
