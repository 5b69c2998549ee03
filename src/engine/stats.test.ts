import { expect, test } from "bun:test";
import { parsePublish } from "./stats.ts";

test("parsePublish expands -p values; values without a host port are left to the network", () => {
  expect(parsePublish(["8080:80", "127.0.0.1:9000-9001:90-91/udp", "[::1]:53:53/udp", "80", "1-2:3"])).toEqual([
    { hostIP: "", hostPort: 8080, containerPort: 80, protocol: "tcp" },
    { hostIP: "127.0.0.1", hostPort: 9000, containerPort: 90, protocol: "udp" },
    { hostIP: "127.0.0.1", hostPort: 9001, containerPort: 91, protocol: "udp" },
    { hostIP: "::1", hostPort: 53, containerPort: 53, protocol: "udp" },
  ]);
});

