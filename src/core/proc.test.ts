import { describe, expect, test } from "bun:test";
import { ownerGuardedCommand } from "./proc.ts";

describe("ownerGuardedCommand (conmon's exit command for an owned cleanup)", () => {
  const run = (argv: string[]) => {
    const p = Bun.spawnSync(argv);
    return { out: p.stdout.toString(), code: p.exitCode };
  };

  test("returns at once while the owner (this process) lives", () => {
    expect(run(ownerGuardedCommand(["/bin/echo", "ran"]))).toEqual({ out: "", code: 0 });
  });

  test("runs the command, arguments intact, when the owner is gone", () => {
    const argv = ownerGuardedCommand(["/bin/echo", "ran", "a b", "$HOME"]);
    argv[4] = "999999999";
    expect(run(argv).out).toBe("ran a b $HOME\n");
  });

  test("a reused pid (other start time) is not the owner", () => {
    const argv = ownerGuardedCommand(["/bin/echo", "ran"]);
    argv[5] = String(Number(argv[5]) + 1);
    expect(run(argv).out).toBe("ran\n");
  });
});
