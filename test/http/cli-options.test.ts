/** Option values `keys` and `service-keys` read alike: comma lists and a rotation's grace period. */
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/command.js";
import { commaList, graceSeconds } from "../../src/cli/options.js";
import { MAX_ROTATION_GRACE_SECONDS } from "../../src/core/token.js";

describe("CLI option values", () => {
  it("splits a comma list, dropping blanks and spaces", () => {
    expect(commaList(" verify, provision,,")).toEqual(["verify", "provision"]);
    expect(commaList(undefined)).toBeUndefined();
  });

  it("takes --grace-seconds from 0 to 7 days, 0 when absent, and refuses the rest as bad usage", () => {
    expect(graceSeconds(undefined)).toBe(0);
    expect(graceSeconds("0")).toBe(0);
    expect(graceSeconds(String(MAX_ROTATION_GRACE_SECONDS))).toBe(MAX_ROTATION_GRACE_SECONDS);
    for (const bad of ["1.5", "soon", "-1", String(MAX_ROTATION_GRACE_SECONDS + 1)])
      expect(() => graceSeconds(bad), bad).toThrow(UsageError);
  });
});
