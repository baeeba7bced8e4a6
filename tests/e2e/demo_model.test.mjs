// The zero-configuration start: `switchyard serve` with no config file serves the demo model
// the build trained, and the official client chats with it, whole and streamed.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import OpenAI from "openai";

import { startProcess, stopProcess, waitForPortFile } from "./processes.mjs";

const DEMO_MODEL = "switchyard-demo";
const CLIENT_TIMEOUT_MS = 30_000;

let workDir;
let gateway;
let client;
// The first conversation of the corpus the demo model was trained on. The model reproduces
// every trained answer under greedy decoding (docs/benchmarks.md, "Demo model").
let trained;

before(async () => {
  const corpus = await readFile(process.env.DEMO_CORPUS, "utf8");
  const [user, assistant] = JSON.parse(corpus.split("\n")[0]).messages;
  trained = { question: user.content, answer: assistant.content };

  workDir = await mkdtemp(join(tmpdir(), "switchyard-demo-"));
  const portFile = join(workDir, "port");
  gateway = startProcess("gateway", "SWITCHYARD_BIN",
    ["serve", "--listen", "127.0.0.1:0", "--port-file", portFile], process.env);
  const port = await waitForPortFile(gateway, portFile);
  client = new OpenAI({
    baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "unused", maxRetries: 0,
    timeout: CLIENT_TIMEOUT_MS,
  });
});

after(async () => {
  if (gateway) {
    await stopProcess(gateway);
  }
  if (workDir) {
    await rm(workDir, { recursive: true, force: true });
  }
});

test("the built-in default lists the demo model", async () => {
  const models = [];
  for await (const model of client.models.list()) {
    models.push(model.id);
  }
  assert.deepEqual(models, [DEMO_MODEL]);
});

// The same request twice with temperature 0, whole and streamed: a real model decoding
// greedily gives the same text both times.
async function askWhole() {
  const completion = await client.chat.completions.create({
    model: DEMO_MODEL,
    messages: [{ role: "user", content: trained.question }],
    temperature: 0,
    max_tokens: 64,
  });
  return completion;
}

test("the demo model answers through the local tier, with usage", async () => {
  const completion = await askWhole();
  const [choice] = completion.choices;
  assert.equal(completion.model, DEMO_MODEL);
  assert.equal(choice.message.content.trim(), trained.answer);
  assert.equal(choice.finish_reason, "stop");
  assert.ok(completion.usage.prompt_tokens > 0);
  assert.ok(completion.usage.completion_tokens > 0);
  assert.ok(completion.usage.completion_tokens <= 64);
});

test("the demo model streams the same greedy answer in pieces", async () => {
  const whole = (await askWhole()).choices[0].message.content;
  const stream = await client.chat.completions.create({
    model: DEMO_MODEL,
    messages: [{ role: "user", content: trained.question }],
    temperature: 0,
    max_tokens: 64,
    stream: true,
  });
  let text = "";
  let chunks = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    chunks += 1;
  }
  assert.ok(chunks > 2, `expected the answer in pieces, got ${chunks} chunk(s)`);
  assert.equal(text, whole);
});

test("an unknown question still gets a bounded answer from the real model", async () => {
  const completion = await client.chat.completions.create({
    model: DEMO_MODEL,
    messages: [{ role: "user", content: "Can you summarise this contract for me?" }],
    max_tokens: 16,
    seed: 1,
  });
  const [choice] = completion.choices;
  assert.ok(choice.message.content.length > 0);
  assert.ok(completion.usage.completion_tokens <= 16);
});
