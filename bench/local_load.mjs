// Load for bench/local.sh: drives one OpenAI-compatible server with streamed chat
// completions and prints what it measured as one JSON object.
//
//   node local_load.mjs BASE_URL MODEL
//
// Measures: single-stream prompt processing (prompt tokens / time to first token) and
// generation (tokens after the first / time after the first), time to first token for a
// one-word prompt, and aggregate generation tokens/s at 1, 4 and 8 concurrent streams.
// Token counts come from the server's own usage numbers.

const [baseUrl, model] = process.argv.slice(2);
// About 500 tokens with the llama-spm vocabulary, leaving room for the answer in 1,024.
const LONG_PROMPT_WORDS = 170;
const SINGLE_TOKENS = 128;
const CONCURRENT_TOKENS = 64;
const SHORT_RUNS = 5;
const CONCURRENCY = [1, 4, 8];

// One streamed completion: times of the first and last content chunk, and the usage.
async function stream(prompt, maxTokens, seed) {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model,
      messages: [{ role: "user", content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: maxTokens,
      temperature: 0,
      seed,
      // llama-server reuses the KV cache of a prompt prefix it has seen; Switchyard has no
      // prompt cache yet, so it is switched off to compare the same work.
      cache_prompt: false,
    }),
  });
  if (!response.ok) {
    throw new Error(`${baseUrl}: HTTP ${response.status} ${await response.text()}`);
  }
  let first = null;
  let last = null;
  let usage = null;
  let pending = "";
  const decoder = new TextDecoder();
  for await (const bytes of response.body) {
    pending += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      const event = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const data = event.startsWith("data: ") ? event.slice(6) : "";
      if (data === "" || data === "[DONE]") {
        continue;
      }
      const chunk = JSON.parse(data);
      if (chunk.usage) {
        usage = chunk.usage;
      }
      if (chunk.choices?.[0]?.delta?.content) {
        first ??= performance.now();
        last = performance.now();
      }
    }
  }
  return { started, first, last, end: performance.now(), usage };
}

function longPrompt() {
  const words = [];
  for (let i = 0; i < LONG_PROMPT_WORDS; i++) {
    words.push(`word${i % 97}`);
  }
  return words.join(" ");
}

async function singleStream() {
  await stream("warm up", 8, 1);
  const run = await stream(longPrompt(), SINGLE_TOKENS, 2);
  const ttft = (run.first - run.started) / 1000;
  const generating = (run.last - run.first) / 1000;
  return {
    prompt_tokens: run.usage.prompt_tokens,
    completion_tokens: run.usage.completion_tokens,
    pp_tokens_per_s: run.usage.prompt_tokens / ttft,
    tg_tokens_per_s: (run.usage.completion_tokens - 1) / generating,
  };
}

async function shortTtft() {
  const times = [];
  for (let i = 0; i < SHORT_RUNS; i++) {
    const run = await stream("Hi", 1, 10 + i);
    times.push(run.first - run.started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function aggregate(streams) {
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: streams }, (_, i) => stream(`Story number ${i}`, CONCURRENT_TOKENS, 100 + i)),
  );
  const seconds = (performance.now() - started) / 1000;
  const tokens = runs.reduce((sum, run) => sum + run.usage.completion_tokens, 0);
  return tokens / seconds;
}

const result = { single: await singleStream(), ttft_ms: await shortTtft(), aggregate: {} };
for (const streams of CONCURRENCY) {
  result.aggregate[streams] = await aggregate(streams);
}
console.log(JSON.stringify(result));
