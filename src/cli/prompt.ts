/**
 * Reading a user's answer on stdin for the confirmation prompts of `prune`
 * commands (as Podman asks them without `-f`).
 */

/** The first line of stdin (without its newline); undefined at EOF before any byte. */
export async function readLine(): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if ((c as Buffer).includes(10)) break;
  }
  if (chunks.length === 0) return undefined;
  return Buffer.concat(chunks).toString("utf8").split("\n")[0];
}
