import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileSeccomp, compileSeccompFile } from "./seccomp.ts";
import { DEFAULT_CAPABILITIES } from "./capabilities.ts";

const PROFILE = join(import.meta.dir, "testdata/containers-common-seccomp.json");
const profile = JSON.parse(readFileSync(PROFILE, "utf8"));
const amd64 = { arch: "amd64", kernelVersion: "6.1.0-18-amd64" };
const names = (s: ReturnType<typeof compileSeccomp>, action?: string) =>
  new Set((s.syscalls ?? []).filter((r) => !action || r.action === action).flatMap((r) => r.names));

test("compiles containers-common's profile exactly as Podman 4.3 did for the same capabilities", () => {
  const golden = JSON.parse(readFileSync(join(import.meta.dir, "testdata/podman-4.3-seccomp.json"), "utf8"));
  const got = compileSeccomp(profile, { capabilities: golden.capabilities, arch: golden.arch, kernelVersion: golden.kernelVersion });
  expect(got).toEqual(golden.seccomp);
});

test("architectures come from archMap: x86_64 with its x86 and x32 sub-arches; aarch64 with arm", () => {
  expect(compileSeccomp(profile, { ...amd64, capabilities: [] }).architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
  const arm = compileSeccomp(profile, { arch: "arm64", kernelVersion: "6.1", capabilities: [] });
  expect(arm.architectures).toEqual(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  // arch-specific rules: arch_prctl only on amd64, arm_fadvise64_64 only on arm/arm64.
  expect(names(compileSeccomp(profile, { ...amd64, capabilities: [] })).has("arch_prctl")).toBe(true);
  expect(names(arm).has("arch_prctl")).toBe(false);
  expect(names(arm).has("arm_fadvise64_64")).toBe(true);
});

test("the default capabilities keep ptrace and personality(arg) rules; CAP_SYS_PTRACE turns the deny into an allow", () => {
  const def = compileSeccomp(profile, { ...amd64, capabilities: DEFAULT_CAPABILITIES });
  expect(names(def, "SCMP_ACT_ALLOW").has("ptrace")).toBe(true); // this profile allows ptrace unconditionally
  const personality = (def.syscalls ?? []).filter((r) => r.names.includes("personality"));
  expect(personality.map((r) => r.args?.[0]?.value)).toEqual([0, 8, 131072, 131080, 4294967295]);
  expect(names(def, "SCMP_ACT_ERRNO").has("kcmp")).toBe(true);
  const withPtrace = compileSeccomp(profile, { ...amd64, capabilities: [...DEFAULT_CAPABILITIES, "CAP_SYS_PTRACE"] });
  expect(names(withPtrace, "SCMP_ACT_ALLOW").has("kcmp")).toBe(true);
  expect(names(withPtrace, "SCMP_ACT_ERRNO").has("kcmp")).toBe(false);
});

test("CAP_SYS_ADMIN allows exactly the syscalls its includes-rules list, and removes their excludes-rule denials", () => {
  const sysAdminRules = profile.syscalls.filter((r: { includes?: { caps?: string[] } }) => r.includes?.caps?.includes("CAP_SYS_ADMIN"));
  const expected = new Set<string>(sysAdminRules.flatMap((r: { names: string[] }) => r.names));
  expect(expected.has("sethostname")).toBe(true);
  const def = compileSeccomp(profile, { ...amd64, capabilities: DEFAULT_CAPABILITIES });
  const admin = compileSeccomp(profile, { ...amd64, capabilities: [...DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"] });
  const gained = [...names(admin, "SCMP_ACT_ALLOW")].filter((n) => !names(def, "SCMP_ACT_ALLOW").has(n));
  const alreadyAllowed = names(def, "SCMP_ACT_ALLOW");
  expect(new Set(gained)).toEqual(new Set([...expected].filter((n) => !alreadyAllowed.has(n))));
  expect(gained).toContain("sethostname");
  expect(names(def, "SCMP_ACT_ERRNO").has("sethostname")).toBe(true);
  expect(names(admin, "SCMP_ACT_ERRNO").has("sethostname")).toBe(false);
});

test("rule count equals the profile's rules whose conditions hold (checked with the profile's own data)", () => {
  const caps = new Set(DEFAULT_CAPABILITIES);
  type R = { includes?: { caps?: string[]; arches?: string[] }; excludes?: { caps?: string[]; arches?: string[] } };
  const kept = profile.syscalls.filter((r: R) =>
    !(r.excludes?.arches ?? []).includes("amd64") &&
    !(r.excludes?.caps ?? []).some((c) => caps.has(c)) &&
    (!(r.includes?.arches?.length) || r.includes!.arches!.includes("amd64")) &&
    (r.includes?.caps ?? []).every((c) => caps.has(c)));
  expect(compileSeccomp(profile, { ...amd64, capabilities: DEFAULT_CAPABILITIES }).syscalls).toHaveLength(kept.length);
});

test("minKernel rules apply only on new enough kernels", () => {
  const p = {
    defaultAction: "SCMP_ACT_ERRNO",
    syscalls: [
      { names: ["new_call"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "5.8" } },
      { names: ["old_call"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "4.8" } },
    ],
  };
  expect(names(compileSeccomp(p, { arch: "amd64", kernelVersion: "5.4.0", capabilities: [] }))).toEqual(new Set(["old_call"]));
  expect(names(compileSeccomp(p, { arch: "amd64", kernelVersion: "5.10.2-x", capabilities: [] }))).toEqual(new Set(["old_call", "new_call"]));
  expect(names(compileSeccomp(p, { arch: "amd64", kernelVersion: "6.0", capabilities: [] }))).toEqual(new Set(["old_call", "new_call"]));
});

test("a profile already in OCI form passes through", () => {
  const oci = { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["reboot"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] };
  expect(compileSeccomp(oci, { ...amd64, capabilities: [] })).toEqual(oci);
});

test("a missing profile file fails with Podman's wording", () => {
  expect(() => compileSeccompFile("/nope.json", { ...amd64, capabilities: [] })).toThrow("opening seccomp profile failed: open /nope.json: no such file or directory");
});

test("compiling the default profile takes well under a millisecond or two", () => {
  compileSeccompFile(PROFILE, { ...amd64, capabilities: DEFAULT_CAPABILITIES });
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) compileSeccompFile(PROFILE, { ...amd64, capabilities: DEFAULT_CAPABILITIES });
  expect((performance.now() - t0) / 20).toBeLessThan(3);
});
