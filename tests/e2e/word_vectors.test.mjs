// Word vectors from the package they ship in to a trained intent model:
// scripts/word-vectors-to-text.cjs turns a wink-embeddings document into the text format, and
// `switchyard router train --word-vectors` reads it, so the model understands words its
// training queries never used. Runs the real converter and the real command on a small table.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

const run = promisify(execFile);
const CONVERTER = new URL("../../scripts/word-vectors-to-text.cjs", import.meta.url).pathname;

// Three topics along three axes; each vector is followed by the two bookkeeping values the
// package stores (its norm and its index), which the text format leaves out.
const TABLE = {
  precision: 8, l2NormIndex: 3, wordIndex: 4, size: 7, dimensions: 3,
  words: ["money", "cash", "flight", "aircraft", "song", "tune", "two words"],
  vectors: {
    money: [1, 0, 0.1, 1.005, 0], cash: [0.9, 0.1, 0, 0.906, 1],
    flight: [0, 1, 0.1, 1.005, 2], aircraft: [0.1, 0.9, 0.1, 0.911, 3],
    song: [0, 0.1, 1, 1.005, 4], tune: [0.1, 0, 0.9, 0.906, 5], "two words": [1, 1, 1, 1.7, 6],
  },
};

const TRAINING = [
  ["send money to my sister", "transfer"], ["move money to savings", "transfer"],
  ["i want to send money", "transfer"], ["money transfer please", "transfer"],
  ["book a flight to rome", "book_flight"], ["find me a flight tomorrow", "book_flight"],
  ["i need a flight home", "book_flight"], ["flight to paris please", "book_flight"],
  ["play a song i like", "play_music"], ["play that song again", "play_music"],
  ["put on a song for me", "play_music"], ["song please", "play_music"],
];
// Not one word of these is in the training queries.
const UNSEEN = [["cash", "transfer"], ["aircraft", "book_flight"], ["tune", "play_music"]];

const jsonl = (rows) => rows.map(([text, intent]) => JSON.stringify({ text, intent })).join("\n");

let dir;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-vectors-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("the converter writes one word a line with its numbers, in the package's order", async () => {
  await writeFile(join(dir, "table.json"), JSON.stringify(TABLE));
  await run("node", [CONVERTER, join(dir, "table.json"), join(dir, "vectors.txt")]);
  const lines = (await readFile(join(dir, "vectors.txt"), "utf8")).trimEnd().split("\n");
  assert.deepEqual(lines, [
    "money 1 0 0.1", "cash 0.9 0.1 0", "flight 0 1 0.1", "aircraft 0.1 0.9 0.1",
    "song 0 0.1 1", "tune 0.1 0 0.9",
  ]);
});

test("a model trained with the vectors names intents from words it never saw", async () => {
  await writeFile(join(dir, "train.jsonl"), jsonl(TRAINING));
  await writeFile(join(dir, "unseen.jsonl"), jsonl(UNSEEN));
  const model = join(dir, "intent.bin");
  const trained = await run(process.env.SWITCHYARD_BIN, [
    "router", "train", "--task", "intent", "--data", join(dir, "train.jsonl"),
    "--oos-label", "", "--heldout-share", "0", "--word-vectors", join(dir, "vectors.txt"),
    "--out", model,
  ]);
  assert.match(trained.stdout, /trained on 12 queries: 3 labels/);
  const scored = await run(process.env.SWITCHYARD_BIN, [
    "router", "eval", "--model", model, "--data", join(dir, "unseen.jsonl"),
  ]);
  assert.match(scored.stdout, /in-scope accuracy\s+1\.0000\s+\(3\/3\)/);
});

test("a damaged vector file is refused with its file and line", async () => {
  await writeFile(join(dir, "bad.txt"), "money 1 0 0\ncash 1 x 0\n");
  await assert.rejects(
    run(process.env.SWITCHYARD_BIN, [
      "router", "train", "--task", "intent", "--data", join(dir, "train.jsonl"),
      "--oos-label", "", "--heldout-share", "0", "--word-vectors", join(dir, "bad.txt"),
      "--out", join(dir, "never.bin"),
    ]),
    (error) => error.code === 2 && /bad\.txt:2: not a word followed by numbers/.test(error.stderr),
  );
});
