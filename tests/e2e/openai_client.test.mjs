// End-to-end checks of the gateway with the official `openai` npm client.
//
// The `before` hook starts the fake upstream and a gateway in front of it, both on port 0 of
// 127.0.0.1, and writes the gateway's config into a fresh temporary folder. Every test then
// talks to the gateway exactly as an application would: through the SDK, with no hand-built
// HTTP. Binaries come from the environment (SWITCHYARD_BIN, FAKE_UPSTREAM_BIN) so that CTest
// can hand over the ones it just built.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import OpenAI from "openai";

import {
  STARTUP_TIMEOUT_MS,
  describeFailure,
  startProcess,
  stopProcess,
  waitForPortFile,
} from "./processes.mjs";

const FAKE_REPLY = "This is a fake reply.";
const UPSTREAM_KEY = "upstream-secret";
const GATEWAY_KEY = "gw-secret";
const MODEL_NAMES = ["chat-model", "embed-model", "broken-model", "limited-model", "cut-model",
  "local-model"];
const DEFAULT_EMBEDDING_LENGTH = 8;
// Float32 keeps about 7 significant digits; the fake's vectors have unit length.
const FLOAT32_TOLERANCE = 1e-6;
const CLIENT_TIMEOUT_MS = 10_000;
// Kept well under EXIT_TIMEOUT_MS so a slow drain shows up as a drain problem, not a hang.
const DRAIN_TIMEOUT_MS = 5_000;

const WEATHER_QUESTION = "What is the weather in Oslo?";
const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
    },
  },
};

// Filled in by `before`; read by the tests and by `after`.
let workDir;
let upstream;
let gateway;
let upstreamPort;
let gatewayPort;
let client;

// Resolves with the fake upstream's port from its `listening on 127.0.0.1:PORT` line.
function readListeningPort(proc) {
  return new Promise((resolve, reject) => {
    const fail = (what) => reject(new Error(describeFailure(proc, what)));
    const timer = setTimeout(() => fail("no 'listening on' line within 15 s"), STARTUP_TIMEOUT_MS);
    proc.exited.then(() => {
      clearTimeout(timer);
      fail("exited before it was listening");
    });
    // The listener stays attached so later stdout keeps draining into the log.
    createInterface({ input: proc.child.stdout }).on("line", (line) => {
      proc.keep(`${line}\n`);
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
}

function gatewayConfig(port, localModelPath) {
  const model = (name, upstreamModel, capabilities) => [
    "[[models]]",
    `name = "${name}"`,
    'provider = "fake"',
    `upstream_model = "${upstreamModel}"`,
    `capabilities = ${JSON.stringify(capabilities)}`,
    "",
  ];
  const chat = ["chat", "streaming"];
  return [
    "[server]",
    `drain_timeout_ms = ${DRAIN_TIMEOUT_MS}`,
    "",
    "[[keys]]",
    'name = "e2e"',
    'key = "${E2E_GATEWAY_KEY}"',
    "",
    "[[providers]]",
    'name = "fake"',
    'kind = "openai_compatible"',
    `base_url = "http://127.0.0.1:${port}/v1"`,
    'api_key_env = "E2E_UPSTREAM_KEY"',
    "",
    ...model("chat-model", "fake-model", [...chat, "tools", "json_schema"]),
    ...model("embed-model", "fake-embed", ["embeddings"]),
    ...model("broken-model", "error-500", chat),
    ...model("limited-model", "error-429", chat),
    ...model("cut-model", "stream-cut-2", chat),
    "[[models]]",
    'name = "local-model"',
    'provider = "local"',
    `path = "${localModelPath}"`,
    "context_length = 512",
    "parallel = 2",
    "threads = 1",
    `capabilities = ${JSON.stringify([...chat, "json_schema"])}`,
    "",
  ].join("\n");
}

function makeClient(apiKey, baseURL = `http://127.0.0.1:${gatewayPort}/v1`) {
  return new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: CLIENT_TIMEOUT_MS });
}

// If the runner dies mid-run, take the children with it.
process.on("exit", () => {
  for (const proc of [gateway, upstream]) {
    if (proc && !proc.exit) {
      proc.child.kill("SIGKILL");
    }
  }
});

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), "switchyard-e2e-"));

  const upstreamArgs = ["--listen", "127.0.0.1:0", "--api-key", UPSTREAM_KEY];
  upstream = startProcess("fake-upstream", "FAKE_UPSTREAM_BIN", upstreamArgs,
    process.env, { keepStdout: false });
  upstreamPort = await readListeningPort(upstream);

  // A tiny random-weight model for the in-process tier, made by the gateway's own tool.
  const modelPath = join(workDir, "tiny.gguf");
  const maker = startProcess("model init", "SWITCHYARD_BIN",
    ["model", "init", "--preset", "tiny", "--out", modelPath], process.env);
  const made = await maker.exited;
  assert.equal(made.code, 0, describeFailure(maker, "could not make the local model"));

  const configPath = join(workDir, "gateway.toml");
  const portFile = join(workDir, "gateway.port");
  await writeFile(configPath, gatewayConfig(upstreamPort, modelPath));
  const env = { ...process.env, E2E_UPSTREAM_KEY: UPSTREAM_KEY, E2E_GATEWAY_KEY: GATEWAY_KEY };
  const args = ["serve", "--config", configPath, "--listen", "127.0.0.1:0", "--port-file",
    portFile];
  gateway = startProcess("switchyard", "SWITCHYARD_BIN", args, env);
  gatewayPort = await waitForPortFile(gateway, portFile);

  client = makeClient(GATEWAY_KEY);
});

after(async () => {
  const stopped = await Promise.allSettled([gateway, upstream].map((p) => p && stopProcess(p)));
  if (workDir) {
    await rm(workDir, { recursive: true, force: true });
  }
  for (const result of stopped) {
    if (result.status === "rejected") {
      throw result.reason;
    }
  }
  if (gateway) {
    assert.deepEqual(stopped[0].value, { code: 0, signal: null },
      describeFailure(gateway, "did not exit cleanly on SIGTERM"));
  }
});

function assertUsage(usage) {
  assert.ok(usage, "usage is missing");
  for (const field of ["prompt_tokens", "completion_tokens", "total_tokens"]) {
    assert.equal(typeof usage[field], "number", `usage.${field} is not a number`);
  }
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

const userMessage = (content) => [{ role: "user", content }];

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  return chunks;
}

test("non-streaming chat returns the upstream reply under the public model name", async () => {
  const completion = await client.chat.completions.create({
    model: "chat-model",
    messages: userMessage("Say something."),
  });

  assert.equal(completion.model, "chat-model");
  assert.equal(completion.choices.length, 1);
  assert.equal(completion.choices[0].message.role, "assistant");
  assert.equal(completion.choices[0].message.content, FAKE_REPLY);
  assert.equal(completion.choices[0].finish_reason, "stop");
  assertUsage(completion.usage);
});

test("streamed chat reassembles to the reply and ends with a usage chunk", async () => {
  const stream = await client.chat.completions.create({
    model: "chat-model",
    messages: userMessage("Say something."),
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = await collect(stream);

  const deltas = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "");
  assert.equal(deltas.join(""), FAKE_REPLY);
  assert.ok(deltas.filter((text) => text !== "").length > 1,
    `expected the reply in more than one chunk, got ${JSON.stringify(deltas)}`);
  for (const chunk of chunks) {
    assert.equal(chunk.model, "chat-model");
  }
  assertUsage(chunks.at(-1).usage);
  const finish = chunks.flatMap((chunk) => chunk.choices).map((choice) => choice.finish_reason);
  assert.ok(finish.includes("stop"), `no chunk finished with "stop": ${JSON.stringify(finish)}`);
});

test("a tool definition yields a tool call with parsable arguments", async () => {
  const completion = await client.chat.completions.create({
    model: "chat-model",
    messages: userMessage(WEATHER_QUESTION),
    tools: [WEATHER_TOOL],
  });

  const choice = completion.choices[0];
  assert.equal(choice.finish_reason, "tool_calls");
  assert.equal(choice.message.tool_calls?.length, 1, JSON.stringify(choice.message));
  const call = choice.message.tool_calls[0];
  assert.equal(call.type, "function");
  assert.ok(call.id, "the tool call has no id");
  assert.equal(call.function.name, WEATHER_TOOL.function.name);
  // The fake upstream's arguments echo the last user message, so they also show the messages
  // reached it intact.
  assert.deepEqual(JSON.parse(call.function.arguments), { echo: WEATHER_QUESTION });
  assert.equal(completion.model, "chat-model");
});

// Joins streamed tool-call fragments by index, the way a client has to.
function reassembleToolCalls(chunks) {
  const calls = [];
  for (const chunk of chunks) {
    for (const part of chunk.choices[0]?.delta?.tool_calls ?? []) {
      calls[part.index] ??= { id: "", name: "", arguments: "" };
      const call = calls[part.index];
      call.id += part.id ?? "";
      call.name += part.function?.name ?? "";
      call.arguments += part.function?.arguments ?? "";
    }
  }
  return calls;
}

test("streamed tool calls reassemble to the same arguments", async () => {
  const request = {
    model: "chat-model",
    messages: userMessage(WEATHER_QUESTION),
    tools: [WEATHER_TOOL],
  };
  const whole = await client.chat.completions.create(request);
  const stream = await client.chat.completions.create({ ...request, stream: true });
  const chunks = await collect(stream);

  const calls = reassembleToolCalls(chunks);
  assert.equal(calls.length, 1, JSON.stringify(calls));
  assert.ok(calls[0].id, "the streamed tool call has no id");
  assert.equal(calls[0].name, WEATHER_TOOL.function.name);
  const expected = JSON.parse(whole.choices[0].message.tool_calls[0].function.arguments);
  assert.deepEqual(JSON.parse(calls[0].arguments), expected);
  const finish = chunks.flatMap((chunk) => chunk.choices).map((choice) => choice.finish_reason);
  assert.ok(finish.includes("tool_calls"), `no "tool_calls" finish: ${JSON.stringify(finish)}`);
  for (const chunk of chunks) {
    assert.equal(chunk.model, "chat-model");
  }
});

function assertVector(embedding, length) {
  assert.ok(Array.isArray(embedding), `not an array: ${typeof embedding}`);
  assert.equal(embedding.length, length);
  assert.ok(embedding.every(Number.isFinite), `non-finite values: ${embedding}`);
}

test("embeddings come back in the SDK's default base64 encoding", async () => {
  // The SDK asks for base64 and decodes it itself; a float array in reply would not decode.
  const result = await client.embeddings.create({
    model: "embed-model",
    input: ["first input", "second input"],
  });

  assert.equal(result.model, "embed-model");
  assert.deepEqual(result.data.map((item) => item.index), [0, 1]);
  for (const item of result.data) {
    assertVector(item.embedding, DEFAULT_EMBEDDING_LENGTH);
  }
});

test("base64 and float embeddings carry the same vector", async () => {
  const request = { model: "embed-model", input: "the same text" };
  const decoded = await client.embeddings.create(request);
  const floats = await client.embeddings.create({ ...request, encoding_format: "float" });

  const expected = floats.data[0].embedding;
  assertVector(expected, DEFAULT_EMBEDDING_LENGTH);
  decoded.data[0].embedding.forEach((value, i) => {
    assert.ok(Math.abs(value - expected[i]) <= FLOAT32_TOLERANCE,
      `component ${i}: base64 gave ${value}, float gave ${expected[i]}`);
  });
});

test("embeddings honour the dimensions parameter", async () => {
  const result = await client.embeddings.create({
    model: "embed-model",
    input: "some text",
    dimensions: 16,
  });

  assert.equal(result.model, "embed-model");
  assert.equal(result.data.length, 1);
  assertVector(result.data[0].embedding, 16);
});

test("the model list holds exactly the configured public names", async () => {
  const ids = [];
  for await (const model of client.models.list()) {
    ids.push(model.id);
  }

  assert.deepEqual(ids.toSorted(), MODEL_NAMES.toSorted());
});

// Resolves with the error the SDK threw; fails if the call succeeded.
async function apiError(call) {
  try {
    await call();
  } catch (err) {
    return err;
  }
  assert.fail("the call succeeded, an error was expected");
}

test("an unknown model is a NotFoundError that names the model", async () => {
  const err = await apiError(() =>
    client.chat.completions.create({ model: "no-such-model", messages: userMessage("hi") }));

  assert.ok(err instanceof OpenAI.NotFoundError, String(err));
  assert.equal(err.status, 404);
  assert.equal(err.code, "model_not_found");
  assert.match(err.message, /no-such-model/);
  assert.ok(err.requestID, "no x-request-id header on the 404");
});

test("a wrong gateway key is an AuthenticationError", async () => {
  const stranger = makeClient("not-the-gateway-key");
  const err = await apiError(() =>
    stranger.chat.completions.create({ model: "chat-model", messages: userMessage("hi") }));

  assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
  assert.equal(err.status, 401);
  assert.equal(err.code, "invalid_api_key");
});

test("a request without messages is a BadRequestError naming the field", async () => {
  const err = await apiError(() => client.chat.completions.create({ model: "chat-model" }));

  assert.ok(err instanceof OpenAI.BadRequestError, String(err));
  assert.equal(err.status, 400);
  assert.equal(err.type, "invalid_request_error");
  assert.equal(err.param, "messages");
});

test("an upstream 500 reaches the client as a 502", async () => {
  const err = await apiError(() =>
    client.chat.completions.create({ model: "broken-model", messages: userMessage("hi") }));

  assert.ok(err instanceof OpenAI.InternalServerError, String(err));
  assert.equal(err.status, 502);
  assert.equal(err.code, "upstream_error");
});

test("an upstream 429 reaches the client as a RateLimitError", async () => {
  const err = await apiError(() =>
    client.chat.completions.create({ model: "limited-model", messages: userMessage("hi") }));

  assert.ok(err instanceof OpenAI.RateLimitError, String(err));
  assert.equal(err.status, 429);
  // The fake upstream sends "Retry-After: 1" with its 429; the gateway passes it on.
  assert.equal(err.headers.get("retry-after"), "1");
});

test("a stream cut upstream makes the client's iteration throw", async () => {
  const stream = await client.chat.completions.create({
    model: "cut-model",
    messages: userMessage("Say something."),
    stream: true,
  });
  const err = await apiError(() => collect(stream));

  // The SDK throws an APIError for a `data: {"error": ...}` event. A bare connection reset
  // would surface as another kind of error, and a clean end as no error at all.
  assert.ok(err instanceof OpenAI.APIError, String(err));
  assert.equal(typeof err.error?.message, "string", JSON.stringify(err.error));
});

test("responses carry a request id and the public model name in headers", async () => {
  const { data, response } = await client.chat.completions
    .create({ model: "chat-model", messages: userMessage("hi") })
    .withResponse();

  assert.equal(data.choices[0].message.content, FAKE_REPLY);
  assert.ok(response.headers.get("x-request-id"), "no x-request-id header");
  assert.equal(response.headers.get("x-switchyard-model"), "chat-model");
});

test("the upstream key is the provider's, never the client's", async () => {
  // The fake upstream cannot report the headers it saw, but it rejects every key but its own.
  // So: the client's key is refused there, the provider key is accepted, and chat through the
  // gateway (which only holds the client's key from the client) succeeds.
  const upstreamURL = `http://127.0.0.1:${upstreamPort}/v1`;
  const request = { model: "fake-model", messages: userMessage("hi") };

  const refused = await apiError(() =>
    makeClient(GATEWAY_KEY, upstreamURL).chat.completions.create(request));
  assert.ok(refused instanceof OpenAI.AuthenticationError, String(refused));

  const direct = await makeClient(UPSTREAM_KEY, upstreamURL).chat.completions.create(request);
  assert.equal(direct.choices[0].message.content, FAKE_REPLY);

  const proxied = await client.chat.completions.create({ ...request, model: "chat-model" });
  assert.equal(proxied.choices[0].message.content, FAKE_REPLY);
});

test("the local tier streams through the official client", async () => {
  const stream = await client.chat.completions.create({
    model: "local-model",
    messages: [{ role: "user", content: "Say something." }],
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: 12,
    seed: 11,
  });
  let text = "";
  let contentChunks = 0;
  let finishReason = null;
  let usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.model, "local-model");
    for (const choice of chunk.choices) {
      if (choice.delta?.content) {
        text += choice.delta.content;
        contentChunks += 1;
      }
      finishReason = choice.finish_reason ?? finishReason;
    }
    usage = chunk.usage ?? usage;
  }
  assert.ok(contentChunks > 1, `expected several content chunks, got ${contentChunks}`);
  assert.ok(text.length > 0);
  assert.ok(["stop", "length"].includes(finishReason), `finish_reason ${finishReason}`);
  assert.ok(usage.completion_tokens >= 1 && usage.completion_tokens <= 12);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
});

test("the local tier's JSON schema output parses", async () => {
  const completion = await client.chat.completions.create({
    model: "local-model",
    messages: [{ role: "user", content: "Classify." }],
    seed: 4,
    max_tokens: 100,
    response_format: {
      type: "json_schema",
      json_schema: {
        name: "label",
        schema: {
          type: "object",
          properties: { label: { enum: ["yes", "no"] } },
          required: ["label"],
          additionalProperties: false,
        },
      },
    },
  });
  const parsed = JSON.parse(completion.choices[0].message.content);
  assert.ok(["yes", "no"].includes(parsed.label));
});
