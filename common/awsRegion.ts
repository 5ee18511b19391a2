import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./config";

/** The stack's region, from the standard `aws:region` config (or AWS_REGION, as the provider does). */
export function stackRegion(): string {
  const region = new pulumi.Config("aws").get("region") ?? process.env.AWS_REGION;
  if (!region) {
    throw new pulumi.RunError(
      `Missing config aws:region. Set the region this ${PROJECT} stack deploys to: pulumi config set aws:region us-east-1`,
    );
  }
  return region;
}

/** The stack's `aws:profile`, if set: SDK calls made by the program use it like the providers do. */
export function stackProfile(): string | undefined {
  return new pulumi.Config("aws").get("profile");
}
