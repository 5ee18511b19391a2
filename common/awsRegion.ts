import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./config";
import { regionProblem } from "./regionNames";

/** The stack's region, from the standard `aws:region` config (or AWS_REGION, as the provider does). */
export function stackRegion(): string {
  const region = new pulumi.Config("aws").get("region") ?? process.env.AWS_REGION;
  if (!region) {
    throw new pulumi.RunError(
      `Missing config aws:region. Set the region this ${PROJECT} stack deploys to: pulumi config set aws:region us-east-1`,
    );
  }
  const problem = stackRegionProblem(region);
  if (problem) throw new pulumi.RunError(problem);
  return region;
}

/** What is wrong with a stack's aws:region, in the words the program and the scripts use. */
export function stackRegionProblem(region: string): string | undefined {
  const problem = regionProblem(region);
  return (
    problem && `Invalid config aws:region: ${problem} Set it with: pulumi config set aws:region <region>`
  );
}

/** The stack's `aws:profile`, if set: SDK calls made by the program use it like the providers do. */
export function stackProfile(): string | undefined {
  return new pulumi.Config("aws").get("profile");
}
