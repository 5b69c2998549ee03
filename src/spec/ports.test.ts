import { expect, test } from "bun:test";
import { parseExpose, parsePortMapping } from "./ports.ts";

test("parsePortMapping accepts Podman's forms", () => {
  expect(parsePortMapping("8080:80")).toEqual({ host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp" });
  expect(parsePortMapping("80")).toEqual({ host_ip: "", container_port: 80, host_port: 0, range: 1, protocol: "tcp" });
  expect(parsePortMapping("127.0.0.1:18080:80")).toEqual({ host_ip: "127.0.0.1", container_port: 80, host_port: 18080, range: 1, protocol: "tcp" });
  expect(parsePortMapping("127.0.0.1::80/udp")).toEqual({ host_ip: "127.0.0.1", container_port: 80, host_port: 0, range: 1, protocol: "udp" });
  expect(parsePortMapping("8000-8002:9000-9002/tcp,udp")).toEqual({ host_ip: "", container_port: 9000, host_port: 8000, range: 3, protocol: "tcp,udp" });
  expect(parsePortMapping("[::1]:8080:80")).toEqual({ host_ip: "::1", container_port: 80, host_port: 8080, range: 1, protocol: "tcp" });
  expect(parsePortMapping("9000-9001")).toMatchObject({ container_port: 9000, host_port: 0, range: 2 });
});

test("parsePortMapping refuses bad input with the problem named", () => {
  expect(() => parsePortMapping("99999:80")).toThrow("port numbers must be between 1 and 65535 (inclusive), got 99999");
  expect(() => parsePortMapping("127.0.0.1:abc:80")).toThrow('invalid port number: strconv.Atoi: parsing "abc": invalid syntax');
  expect(() => parsePortMapping("8080:")).toThrow("must provide a non-empty container port to publish");
  expect(() => parsePortMapping("80/icmp")).toThrow('unrecognized protocol "icmp" in port mapping');
  expect(() => parsePortMapping("1-3:1-2")).toThrow("host and container port ranges have different lengths: 3 vs 2");
  expect(() => parsePortMapping("300.1.1.1:80:80")).toThrow('invalid IP address "300.1.1.1" in port mapping');
  expect(() => parsePortMapping("::1:80:80")).toThrow(/IPv6 addresses must be enclosed by \[\]/);
  expect(() => parsePortMapping("5-3")).toThrow(/end must be greater/);
});

test("parseExpose takes a port, a range and a protocol", () => {
  expect(parseExpose("80")).toEqual({ port: 80, range: 1, protocol: "tcp" });
  expect(parseExpose("53/udp")).toEqual({ port: 53, range: 1, protocol: "udp" });
  expect(parseExpose("7000-7002")).toEqual({ port: 7000, range: 3, protocol: "tcp" });
  expect(() => parseExpose("0")).toThrow(/between 1 and 65535/);
});
