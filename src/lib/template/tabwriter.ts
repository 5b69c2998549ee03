/**
 * Go's text/tabwriter (space padding, no flags), as Podman's tables use it:
 * `tabwriter.NewWriter(w, 12, 2, 2, ' ', 0)`. A cell is text terminated by a
 * tab; the text after a line's last tab is not a cell and is never padded.
 * Adjacent lines that have a cell in column k form a column block whose
 * width is max(minwidth, widest cell + padding); a line with fewer cells ends
 * the block. Widths count code points, as Go counts runes.
 */

export interface TabwriterOptions {
  /** Minimal cell width including padding. @default 12 */
  readonly minwidth?: number;
  /** Spaces added to the widest cell of a column. @default 2 */
  readonly padding?: number;
}

function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Aligns `text` (cells separated by "\t", lines by "\n") as Go's tabwriter does on Flush. */
export function tabwrite(text: string, opts: TabwriterOptions = {}): string {
  const minwidth = opts.minwidth ?? 12;
  const padding = opts.padding ?? 2;
  const lines = text.split("\n").map((l) => l.split("\t"));
  const cellW = lines.map((cells) => cells.map(width));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i] as string[];
      const ws = cellW[i] as number[];
      let s = "";
      for (let j = 0; j < cells.length; j++) {
        s += cells[j];
        if (j < cells.length - 1 && j < widths.length) s += " ".repeat(Math.max(0, (widths[j] as number) - (ws[j] as number)));
      }
      out.push(s);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= (lines[i] as string[]).length - 1) continue;
      // Line i opens a block of lines with a cell in this column.
      writeLines(line0, i);
      line0 = i;
      let w = minwidth;
      for (; i < line1; i++) {
        if (column >= (lines[i] as string[]).length - 1) break;
        w = Math.max(w, ((cellW[i] as number[])[column] as number) + padding);
      }
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--; // the for-loop increment re-examines line i
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join("\n");
}
