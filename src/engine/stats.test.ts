import { expect, test } from "bun:test";
import { expandPortMappings } from "./stats.ts";
import { parsePortMapping } from "../spec/ports.ts";

test("expandPortMappings lists one entry per port; ports the network picks later are left out", () => {
  const m = ["8080:80", "127.0.0.1:9000-9001:90-91/udp", "[::1]:53:53/udp", "80", "1-2:3-4/tcp,udp"].map(parsePortMapping);
  expect(expandPortMappings(m)).toEqual([
    { hostIP: "", hostPort: 8080, containerPort: 80, protocol: "tcp" },
    { hostIP: "127.0.0.1", hostPort: 9000, containerPort: 90, protocol: "udp" },
    { hostIP: "127.0.0.1", hostPort: 9001, containerPort: 91, protocol: "udp" },
    { hostIP: "::1", hostPort: 53, containerPort: 53, protocol: "udp" },
    { hostIP: "", hostPort: 1, containerPort: 3, protocol: "tcp" },
    { hostIP: "", hostPort: 1, containerPort: 3, protocol: "udp" },
    { hostIP: "", hostPort: 2, containerPort: 4, protocol: "tcp" },
    { hostIP: "", hostPort: 2, containerPort: 4, protocol: "udp" },
  ]);
});
