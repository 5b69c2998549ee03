import type { Command } from "../command.ts";
import { VERSION } from "../../lib/version.ts";

const cmd: Command = {
  usage: "version",
  summary: "Display the skiff version information",
  flags: [{ name: "format", short: "f", type: "string", help: "Change the output format to JSON or a Go template" }],
  maxArgs: 0,
  async run({ out }) {
    out(`Version:      ${VERSION}\nAPI Version:  ${VERSION}\nBun Version:  ${Bun.version}\nOS/Arch:      linux/${process.arch === "x64" ? "amd64" : process.arch}\n`);
  },
};
export default cmd;
