import { expect, test } from "bun:test";
import { cidrsOverlap, formatCidr, formatIp, parseCidr, parseIp } from "./ip.ts";

test("parseIp and formatIp round-trip IPv4 and IPv6", () => {
  for (const s of ["10.88.0.1", "0.0.0.0", "255.255.255.255", "fd00::1", "::1", "::", "2001:db8:0:1::a", "fe80::1:2:3:4"]) {
    const { family, value } = parseIp(s);
    expect(formatIp(family, value)).toBe(s);
  }
  expect(parseIp("::ffff:10.0.0.1").value).toBe(0xffff0a000001n);
});

test("parseCidr clears host bits and refuses bad input", () => {
  expect(formatCidr(parseCidr("10.89.3.7/24"))).toBe("10.89.3.0/24");
  expect(formatCidr(parseCidr("fd00:1:2:3::9/64"))).toBe("fd00:1:2:3::/64");
  expect(() => parseCidr("10.0.0.0/33")).toThrow("invalid CIDR address: 10.0.0.0/33");
  expect(() => parseCidr("10.0.0.0")).toThrow("invalid CIDR address");
});

test("cidrsOverlap compares ranges of one family", () => {
  expect(cidrsOverlap(parseCidr("10.88.0.0/16"), parseCidr("10.88.5.0/24"))).toBe(true);
  expect(cidrsOverlap(parseCidr("10.88.0.0/16"), parseCidr("10.89.0.0/24"))).toBe(false);
  expect(cidrsOverlap(parseCidr("10.0.0.0/8"), parseCidr("fd00::/8"))).toBe(false);
});
