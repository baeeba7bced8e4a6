// Conversation corpora for `switchyard model vocab` and `model train`: JSON Lines, one
// {"messages": [{"role": ..., "content": ...}, ...]} a line, each ending with the assistant's
// turn. Blank lines are skipped.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "local/chat_prompt.h"

namespace switchyard::local {

using Conversation = std::vector<ChatMessage>;

// Reads the whole file. An error names the file and line: "corpus.jsonl:12: ...".
Result<std::vector<Conversation>, std::string> read_conversations(const std::string& path);

}  // namespace switchyard::local
