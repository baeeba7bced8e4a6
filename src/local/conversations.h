// Conversation corpora for `switchyard model vocab` and `model train`: JSON Lines, one
// {"messages": [{"role": ..., "content": ...}, ...]} a line, each ending with the assistant's
// turn. Blank lines are skipped.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace switchyard::local {

struct Message {
  std::string role;
  std::string content;
};
using Conversation = std::vector<Message>;

// Reads the whole file. An error names the file and line: "corpus.jsonl:12: ...".
Result<std::vector<Conversation>, std::string> read_conversations(const std::string& path);

}  // namespace switchyard::local
