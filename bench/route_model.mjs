// How long the route model takes to pick a route, with the demo model as the route model:
// starts `switchyard serve` with three described routes and one without, sends every query
// of QUERIES_FILE (default: the first 200 of CLINC150's validation split) to "auto", and reads
// the route model's time from each answer's x-switchyard-route-reason header. The routes send
// the request on to the demo model for one token, so the answer itself costs little. See
// docs/benchmarks.md.
//
//   node bench/route_model.mjs [QUERIES_FILE] [COUNT]    (from the repository root, after a build)
//
// BENCH_PROMPT_CACHE=false turns the local tier's prompt cache off, to see what it saves.

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { startGateway } from "./gateway.mjs";

const BIN = process.env.SWITCHYARD_BIN ?? "build/src/switchyard";
const MODEL = resolve(process.env.SWITCHYARD_DEMO_MODEL ?? "build/models/switchyard-demo.gguf");
const QUERIES = process.argv[2] ?? "../shared/data/intent/clinc150_val.jsonl";
const COUNT = Number(process.argv[3] ?? 200);

const CONFIG = `
[[models]]
name = "demo"
provider = "local"
path = "${MODEL}"
capabilities = ["chat", "json_schema"]
prompt_cache = ${process.env.BENCH_PROMPT_CACHE ?? "true"}

[router]
route_model = "demo"
route_model_timeout_ms = 2000

[[routes]]
name = "billing"
description = "charges, invoices, refunds, payment methods and bank transfers"
to = ["demo"]

[[routes]]
name = "travel"
description = "flights, hotels, car rentals, itineraries and travel alerts"
to = ["demo"]

[[routes]]
name = "device"
description = "phones, smart home devices, alarms, timers and reminders"
to = ["demo"]

[[routes]]
name = "rest"
to = ["demo"]
`;

// The route model's time and answer, from the reason header ("...; chosen=travel (7.1 ms)").
async function route(port, text) {
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "auto", max_tokens: 1, messages: [{ role: "user", content: text }] }),
  });
  await response.arrayBuffer();
  const reason = response.headers.get("x-switchyard-route-reason") ?? "";
  const found = /chosen=([^ ]+) \(([0-9.]+) ms\)/.exec(reason);
  if (response.status !== 200 || !found) {
    throw new Error(`unexpected answer ${response.status}: ${reason}`);
  }
  return { chosen: found[1], ms: Number(found[2]), route: response.headers.get("x-switchyard-route") };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const dir = await mkdtemp(join(tmpdir(), "switchyard-route-model-"));
const configFile = join(dir, "config.toml");
await writeFile(configFile, CONFIG);
const { child, port } = await startGateway(BIN, ["--config", configFile], dir);
try {
  const texts = (await readFile(QUERIES, "utf8")).split("\n").filter((line) => line.trim())
    .slice(0, COUNT).map((line) => JSON.parse(line).text);
  await route(port, texts[0]);  // warm-up
  const times = [];
  const chosen = new Map();
  for (const text of texts) {
    const answer = await route(port, text);
    const agrees = answer.route === (answer.chosen in { billing: 1, travel: 1, device: 1 } ? answer.chosen : "rest");
    if (!agrees) {
      throw new Error(`the route header (${answer.route}) disagrees with the choice (${answer.chosen})`);
    }
    times.push(answer.ms);
    chosen.set(answer.chosen, (chosen.get(answer.chosen) ?? 0) + 1);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  console.log(`route model decisions: ${times.length} queries`);
  console.log(`  mean ${mean.toFixed(1)} ms, p50 ${percentile(times, 0.5).toFixed(1)} ms, ` +
    `p99 ${percentile(times, 0.99).toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms`);
  console.log(`  answers: ${[...chosen].map(([name, n]) => `${name} ${n}`).join(", ")}`);
} finally {
  child.kill("SIGTERM");
  await rm(dir, { recursive: true, force: true });
}
