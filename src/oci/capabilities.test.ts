import { expect, test } from "bun:test";
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, capabilitiesFromMask, normalizeCapability, resolveCapabilities } from "./capabilities.ts";

// This machine's engine lacks CAP_SYS_RESOURCE (bit 24): CapBnd 000001fffeffffff.
const HOST = capabilitiesFromMask("000001fffeffffff");

test("capabilitiesFromMask decodes CapBnd", () => {
  expect(capabilitiesFromMask("0")).toEqual([]);
  expect(capabilitiesFromMask("1")).toEqual(["CAP_CHOWN"]);
  expect(HOST).toHaveLength(40);
  expect(HOST).not.toContain("CAP_SYS_RESOURCE");
  expect(capabilitiesFromMask("ffffffffffffffff")).toEqual([...ALL_CAPABILITIES]);
});

test("normalizeCapability is case-insensitive with an optional CAP_ prefix", () => {
  expect(normalizeCapability("net_admin")).toBe("CAP_NET_ADMIN");
  expect(normalizeCapability("CAP_SYS_ADMIN")).toBe("CAP_SYS_ADMIN");
  expect(normalizeCapability("all")).toBe("ALL");
  expect(() => normalizeCapability("bogus")).toThrow(`"CAP_BOGUS": unknown capability`);
});

test("the default set is Podman's eleven", () => {
  const r = resolveCapabilities({});
  expect(r.bounding).toEqual([...DEFAULT_CAPABILITIES]);
  expect(r.effective).toEqual(r.bounding);
  expect(r.bounding).toHaveLength(11);
});

test("--cap-add and --cap-drop adjust the default set", () => {
  const r = resolveCapabilities({ capAdd: ["CAP_NET_ADMIN"], capDrop: ["CAP_CHOWN", "CAP_KILL"] });
  expect(r.bounding).toContain("CAP_NET_ADMIN");
  expect(r.bounding).not.toContain("CAP_CHOWN");
  expect(r.bounding).not.toContain("CAP_KILL");
  expect(r.bounding).toHaveLength(10);
});

test("--cap-drop ALL then --cap-add keeps only the added ones", () => {
  expect(resolveCapabilities({ capDrop: ["ALL"], capAdd: ["CAP_NET_RAW"] }).bounding).toEqual(["CAP_NET_RAW"]);
  expect(resolveCapabilities({ capDrop: ["ALL"] }).bounding).toEqual([]);
});

test("--privileged and --cap-add ALL are limited to the host's bounding set", () => {
  const p = resolveCapabilities({ privileged: true, hostBounding: HOST });
  expect(p.bounding).toHaveLength(40);
  expect(p.bounding).not.toContain("CAP_SYS_RESOURCE");
  expect(resolveCapabilities({ capAdd: ["ALL"], hostBounding: HOST }).bounding).toEqual([...HOST].sort());
  expect(resolveCapabilities({ privileged: true, capDrop: ["CAP_SYS_ADMIN"], hostBounding: HOST }).bounding).not.toContain("CAP_SYS_ADMIN");
});

test("a non-root user gets only added capabilities in effective/permitted", () => {
  const r = resolveCapabilities({ nonRootUser: true, capAdd: ["CAP_NET_RAW"] });
  expect(r.bounding).toHaveLength(12);
  expect(r.effective).toEqual(["CAP_NET_RAW"]);
  expect(r.permitted).toEqual(["CAP_NET_RAW"]);
});
