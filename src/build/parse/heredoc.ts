import type { Heredoc } from "./types.ts";

/** A heredoc's body as used: with `<<-`, leading tabs removed from every line. */
export function heredocBody(h: Heredoc): string {
  return h.chomp ? h.content.replace(/^\t+/gm, "") : h.content;
}
