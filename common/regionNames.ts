// Region names checked against the AWS SDK's own partition metadata (@aws-sdk/core's partitions,
// maintained with the SDK): a name the SDK has no entry for is a typo, or a region newer than the
// installed SDK. Not for the serialized notifier (it would bundle the metadata).
import { partition } from "@aws-sdk/core/client";
import { distance } from "./editDistance";

/** Whether the installed SDK lists `region` by name (a shape match alone gives no description). */
export function isKnownRegion(region: string): boolean {
  // The partitions' own pseudo-regions (aws-global) have descriptions too; they are not regions.
  return (
    !region.endsWith("-global") && (partition(region) as { description?: string }).description !== undefined
  );
}

const AREAS = [
  "us",
  "eu",
  "ap",
  "sa",
  "ca",
  "me",
  "af",
  "il",
  "mx",
  "cn",
  "us-gov",
  "eusc-de",
  "us-iso",
  "us-isob",
  "eu-isoe",
  "us-isof",
];
const DIRECTIONS = [
  "east",
  "west",
  "north",
  "south",
  "central",
  "northeast",
  "northwest",
  "southeast",
  "southwest",
];

let known: string[] | undefined;
/** Every region the SDK lists, found through its public `partition` lookup. */
export function knownRegions(): string[] {
  known ??= AREAS.flatMap((a) =>
    DIRECTIONS.flatMap((d) => Array.from({ length: 9 }, (_, i) => `${a}-${d}-${i + 1}`)),
  ).filter(isKnownRegion);
  return known;
}

/** What is wrong with a region name, with the closest known name, or undefined when the SDK knows it. */
export function regionProblem(region: string): string | undefined {
  if (isKnownRegion(region)) return undefined;
  const near = knownRegions()
    .map((r) => ({ r, d: distance(region, r) }))
    .filter((x) => x.d <= 2)
    .sort((a, b) => a.d - b.d || (a.r < b.r ? -1 : 1))[0]?.r;
  return (
    `${region} is not a region the AWS SDK knows.${near ? ` Did you mean ${near}?` : ""} ` +
    "Fix the name (aws ec2 describe-regions --all-regions lists them), or, for a region newer than the installed SDK, update it (npm update)."
  );
}
