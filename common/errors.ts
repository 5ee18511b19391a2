// Error text for people: the message alone (inside a sentence that already says what failed), or
// "Name: message" for a detail column, where the AWS error code is the useful part.
import { errorName } from "./awsNames";

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** "Name: message", for a detail column. */
export function errorText(err: unknown): string {
  return `${errorName(err)}: ${errorMessage(err)}`;
}
