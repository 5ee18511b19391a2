// The one @pulumi/pulumi internal the program relies on: whether a config key was set as a secret
// (no public API says so). If this fails after a Pulumi upgrade, replace the lookup in
// common/config.ts isSecretConfig (a public API, or the secret keys the CLI passes in
// PULUMI_CONFIG_SECRET_KEYS), not this test.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { isSecretConfig, PROJECT } from "../../common/config";

describe("pulumi.runtime.isConfigSecret, used by isSecretConfig", () => {
  it("still exists", () => {
    const runtime = pulumi.runtime as unknown as Record<string, unknown>;
    expect(
      typeof runtime.isConfigSecret,
      "@pulumi/pulumi dropped runtime.isConfigSecret: replace it in common/config.ts isSecretConfig",
    ).toBe("function");
  });

  it("tells a secret key from a plain one", () => {
    pulumi.runtime.setAllConfig(
      { [`${PROJECT}:webhookUrl`]: "https://hooks.example.com/x", [`${PROJECT}:eventBusName`]: "bus" },
      [`${PROJECT}:webhookUrl`],
    );
    expect(isSecretConfig("webhookUrl"), "a key set with --secret must read as secret").toBe(true);
    expect(isSecretConfig("eventBusName"), "a plain key must not read as secret").toBe(false);
    expect(isSecretConfig("notSet")).toBe(false);
  });
});
