#!/usr/bin/env bun
import { main } from "../cli/main.ts";

const code = await main(process.argv.slice(2));
// Flush stdout before exiting: process.exit may drop buffered pipe output.
if (process.stdout.writableLength > 0) await new Promise((r) => process.stdout.once("drain", r));
process.exit(code);
