// Writes the word vectors of a wink-embeddings JSON document (`words`, in order of frequency,
// and `vectors`, each word's numbers followed by two bookkeeping values) as text: one word a
// line, then its numbers, the format `switchyard router train --word-vectors` reads.
//
//   node word-vectors-to-text.cjs IN.json OUT.txt
'use strict';
const fs = require('fs');

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node word-vectors-to-text.cjs IN.json OUT.txt');
  process.exit(2);
}
const table = JSON.parse(fs.readFileSync(input, 'utf8'));
const dimensions = table.dimensions;
if (!Number.isInteger(dimensions) || !Array.isArray(table.words)) {
  console.error(`${input}: not a word-vector document (no dimensions or words)`);
  process.exit(1);
}
const out = fs.openSync(output, 'w');
let lines = [];
for (const word of table.words) {
  const vector = table.vectors[word];
  if (/\s/.test(word) || !Array.isArray(vector) || vector.length < dimensions) {
    continue;  // a word the text format cannot hold, or one without its numbers
  }
  lines.push(`${word} ${vector.slice(0, dimensions).join(' ')}`);
  if (lines.length === 10000) {
    fs.writeSync(out, lines.join('\n') + '\n');
    lines = [];
  }
}
if (lines.length > 0) {
  fs.writeSync(out, lines.join('\n') + '\n');
}
fs.closeSync(out);
