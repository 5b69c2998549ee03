/**
 * Re-records the corpus expectations from podman (run by hand, outside CI):
 *   bun tests/build-corpus/record.ts [case-name-prefix...]
 * or, with --check, builds with podman again and compares with the recorded
 * expectations without writing (exit 1 when any case differs):
 *   bun tests/build-corpus/record.ts --check [case-name-prefix...]
 * Podman runs with its own --root/--runroot under $RECORD_TMP (default
 * /tmp/skiff-corpus-podman) and a containers.conf that fits this machine
 * (cgroupfs, file events, no default ulimits). Apt builds use
 * `--network host` (podman 4.3 here has no CNI plugins); the network mode
 * does not change the image. Cases whose `podmanLacks` is set are built from
 * their Containerfile.equivalent (the same result written without the missing
 * feature, per Docker's documented behaviour); their history is not kept.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { BUSYBOX, DEBIAN, buildArgs, imageListing, listCases, observe, serveFiles, stageContext, type Cli, type Entry } from "./corpus.ts";

const tmp = process.env.RECORD_TMP ?? "/tmp/skiff-corpus-podman";
mkdirSync(tmp, { recursive: true });
const conf = join(tmp, "containers.conf");
writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n');
const root = join(tmp, "root");
const runroot = join(tmp, "run");
const env = { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_REGISTRIES_CONF: join(import.meta.dir, "../../fixtures/registries.conf") };

const podman: Cli = async (args, opts = {}) => {
  const p = Bun.spawn(["podman", "--root", root, "--runroot", runroot, ...args], {
    env, stdout: "pipe", stderr: "pipe", stdin: opts.input !== undefined ? new TextEncoder().encode(opts.input) : "ignore",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
};

async function configBlob(image: string): Promise<Record<string, any>> {
  const p = Bun.spawn(["skopeo", "inspect", "--raw", "--config", `containers-storage:[overlay@${root}+${runroot}]${image}`], { env, stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`skopeo inspect ${image}: ${await new Response(p.stderr).text()}`);
  return JSON.parse(out);
}

const check = process.argv.includes("--check");
const wanted = process.argv.slice(2).filter((a) => a !== "--check");
const differing: string[] = [];
const cases = listCases();
const bases = new Map<string, Entry[]>();
for (const img of [BUSYBOX, DEBIAN]) {
  await podman(["pull", "-q", img]);
  bases.set(img, await imageListing(podman, img));
}
const done = new Set<string>();
async function record(name: string): Promise<void> {
  if (done.has(name)) return;
  const c = cases.find((x) => x.name === name)!;
  if (c.spec.needs) await record(c.spec.needs);
  const server = c.spec.serve ? serveFiles(c.spec.serve) : undefined;
  const ctx = stageContext(c, tmp);
  try {
    const file = c.spec.podmanLacks ? "Containerfile.equivalent" : c.file;
    const net = c.spec.apt ? ["--network", "host"] : [];
    const b = await podman(["build", "-q", "-t", c.tag, ...net, ...buildArgs(c, server?.url, ctx), "-f", join(c.dir, file), ctx]);
    if (b.code !== 0) throw new Error(`podman build ${c.name}: ${b.stderr}`);
    const facts = await observe(podman, c.tag, await configBlob(c.tag), c.base ? bases.get(c.base)! : []);
    const out = c.spec.podmanLacks
      ? { note: `recorded from Containerfile.equivalent with podman 4.3.1, which lacks ${c.spec.podmanLacks}; the reference is Docker's documented behaviour`, ...facts, history: undefined }
      : { note: "recorded from podman 4.3.1 by tests/build-corpus/record.ts", ...facts };
    const text = JSON.stringify(out, null, 1) + "\n";
    if (check) {
      const same = readFileSync(join(c.dir, "expected.json"), "utf8") === text;
      if (!same) differing.push(c.name);
      console.log(`${c.name}: ${same ? "podman agrees with the recorded expectation" : "DIFFERS from the recorded expectation"}`);
    } else {
      writeFileSync(join(c.dir, "expected.json"), text);
      console.log(`${c.name}: recorded (${facts.changed.length} changed, ${facts.removed.length} removed)`);
    }
  } finally {
    server?.stop();
    rmSync(ctx, { recursive: true, force: true });
  }
  done.add(name);
}
for (const c of cases) {
  if (wanted.length && !wanted.some((w) => c.name.startsWith(w))) continue;
  if (c.spec.podmanLacks && !existsSync(join(c.dir, "Containerfile.equivalent"))) throw new Error(`${c.name}: Containerfile.equivalent missing`);
  await record(c.name);
}
if (check && differing.length) {
  console.log(`${differing.length} case(s) differ: ${differing.join(", ")}`);
  process.exit(1);
}
