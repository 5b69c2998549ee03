/**
 * Size parsing as docker/go-units does it, for flags whose Podman parser uses
 * it. (A local copy until src/lib/units.ts exists; then this file re-exports it.)
 */
import { SkiffError } from "../lib/errors.ts";

const SIZE = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const POW: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5 };

function parse(s: string, base: number): number {
  const m = SIZE.exec(s);
  if (!m) throw new SkiffError("invalid-argument", `invalid size: '${s}'`);
  const n = Number.parseFloat(m[1]!);
  if (!Number.isFinite(n)) throw new SkiffError("invalid-argument", `invalid size: '${s}'`);
  const unit = m[2]?.toLowerCase();
  return Math.trunc(n * base ** (unit ? POW[unit]! : 0));
}

/**
 * go-units RAMInBytes: "64m" → 67108864; binary multiples (k = 1024), suffixes
 * b/ib optional, case-insensitive, fractions allowed ("1.5g").
 * @throws SkiffError "invalid-argument" `invalid size: 'x'`
 */
export function ramInBytes(s: string): number {
  return parse(s, 1024);
}

/** go-units FromHumanSize: decimal multiples (k = 1000). @throws as ramInBytes */
export function fromHumanSize(s: string): number {
  return parse(s, 1000);
}
