#!/usr/bin/env bun
import { main } from "../cli/main.ts";

// A reader that went away (`skiff logs x | head`): end quietly, as a program
// killed by SIGPIPE does (status 128+13), not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(141);
    throw e;
  });
}

const code = await main(process.argv.slice(2));
// Flush stdout before exiting: process.exit may drop buffered pipe output.
if (process.stdout.writableLength > 0) await new Promise((r) => process.stdout.once("drain", r));
process.exit(code);
