import { expect, test } from "bun:test";
import { candidatePlatforms, chooseInstance, wantedPlatform } from "./platform.ts";
import type { Descriptor } from "./manifest.ts";

const d = (c: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: `sha256:${c.repeat(64)}`,
  size: 1,
  platform: variant ? { os: "linux", architecture, variant } : { os: "linux", architecture },
});
const list = [d("a", "amd64"), d("b", "arm64", "v8"), d("c", "arm", "v6")];

test("chooseInstance picks the host platform by default", () => {
  const host = wantedPlatform().architecture;
  expect(chooseInstance(list, {}, "docker://x").platform?.architecture).toBe(host);
});

test("chooseInstance honours --arch and --platform", () => {
  expect(chooseInstance(list, { arch: "arm64" }, "x").digest).toBe(list[1]!.digest);
  expect(chooseInstance(list, { platform: "linux/arm64" }, "x").digest).toBe(list[1]!.digest);
  expect(chooseInstance(list, { platform: "linux/arm64/v8" }, "x").digest).toBe(list[1]!.digest);
  // arm v7 wanted, only v6 offered: compatible variant chosen.
  expect(chooseInstance(list, { platform: "linux/arm/v7" }, "x").digest).toBe(list[2]!.digest);
});

test("chooseInstance names the wanted platform when nothing matches", () => {
  expect(() => chooseInstance(list, { arch: "s390x" }, "docker://localhost:5000/multiarch:latest")).toThrow(
    'choosing an image from manifest list docker://localhost:5000/multiarch:latest: no image found in manifest list for architecture s390x, variant "", OS linux',
  );
});

test("candidatePlatforms expands variants then tries none", () => {
  expect(candidatePlatforms({ os: "linux", architecture: "arm", variant: "v7" }).map((p) => p.variant)).toEqual(["v7", "v6", "v5", ""]);
  expect(candidatePlatforms({ os: "linux", architecture: "amd64", variant: "" }).map((p) => p.variant)).toEqual([""]);
});

test("wantedPlatform refuses --platform with --arch and bad syntax", () => {
  expect(() => wantedPlatform({ platform: "linux/arm64", arch: "amd64" })).toThrow("--platform option can not be specified with --arch or --os");
  expect(() => wantedPlatform({ platform: "linux" })).toThrow("invalid platform syntax");
});
