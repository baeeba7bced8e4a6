// How much of its corpus the demo model recalls: starts `switchyard serve` with no config,
// asks every question of models/demo/corpus.jsonl with greedy decoding, and counts answers
// equal to the trained ones. See docs/benchmarks.md.
//
//   node bench/demo_recall.mjs [--show]     (from the repository root, after a build)

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startGateway } from "./gateway.mjs";

const BIN = process.env.SWITCHYARD_BIN ?? "build/src/switchyard";
const CORPUS = "models/demo/corpus.jsonl";
const MAX_TOKENS = 64;

async function ask(port, question) {
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "switchyard-demo", temperature: 0, max_tokens: MAX_TOKENS,
      messages: [{ role: "user", content: question }],
    }),
  });
  const body = await response.json();
  return body.choices[0].message.content.trim();
}

const dir = await mkdtemp(join(tmpdir(), "switchyard-recall-"));
const { child, port } = await startGateway(BIN, [], dir);
try {
  const lines = (await readFile(CORPUS, "utf8")).split("\n").filter((line) => line.trim());
  let recalled = 0;
  for (const line of lines) {
    const messages = JSON.parse(line).messages;
    const question = messages.at(-2).content;
    const expected = messages.at(-1).content;
    const answer = await ask(port, question);
    recalled += answer === expected ? 1 : 0;
    if (process.argv.includes("--show")) {
      console.log(`${answer === expected ? "same" : "diff"}  ${question}\n      ${answer}`);
    }
  }
  console.log(`recalled ${recalled} of ${lines.length} trained answers exactly`);
} finally {
  child.kill("SIGTERM");
  await rm(dir, { recursive: true, force: true });
}
