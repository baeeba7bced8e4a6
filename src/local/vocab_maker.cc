#include "local/vocab_maker.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <ggml-cpp.h>
#include <gguf.h>

namespace switchyard::local {
namespace {

// SentencePiece's stand-in for a space, U+2581.
constexpr std::string_view kSpace = "\xE2\x96\x81";
constexpr int kByteTokens = 256;
// Printable ASCII: always pieces, so code, numbers and punctuation never need byte tokens.
constexpr char kFirstPrintable = '!';
constexpr char kLastPrintable = '~';

// llama.cpp's token types (llama_token_type values as GGUF stores them).
constexpr int32_t kTypeNormal = 1;
constexpr int32_t kTypeUnknown = 2;
constexpr int32_t kTypeControl = 3;
constexpr int32_t kTypeByte = 6;

struct Piece {
  std::string text;
  float score = 0;
  int32_t type = kTypeNormal;
};

std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) {
    return 4;
  }
  if (lead >= 0xE0) {
    return 3;
  }
  return lead >= 0xC0 ? 2 : 1;
}

// The characters of `word`, each as its UTF-8 bytes; a truncated sequence ends the word.
std::vector<std::string_view> characters(std::string_view word) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0; at < word.size();) {
    const std::size_t length = utf8_length(static_cast<unsigned char>(word[at]));
    if (at + length > word.size()) {
      break;
    }
    out.push_back(word.substr(at, length));
    at += length;
  }
  return out;
}

// Counts the space-led words of a text as the tokenizer will see it: a space before the
// first word, then every run of non-space characters after a space.
void count_words(std::string_view text, std::map<std::string, uint32_t>& counts) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t start = text.find_first_not_of(" \n\t\r", at);
    if (start == std::string_view::npos) {
      return;
    }
    const std::size_t end = std::min(text.find_first_of(" \n\t\r", start), text.size());
    ++counts[std::string(kSpace) + std::string(text.substr(start, end - start))];
    at = end;
  }
}

std::vector<Piece> fixed_pieces() {
  std::vector<Piece> pieces{
      {"<unk>", 0, kTypeUnknown}, {"<s>", 0, kTypeControl}, {"</s>", 0, kTypeControl}};
  for (int byte = 0; byte < kByteTokens; ++byte) {
    pieces.push_back({fmt::format("<0x{:02X}>", byte), 0, kTypeByte});
  }
  return pieces;
}

// Every prefix of chars[first..], two characters and longer, with its length.
void add_prefixes(const std::vector<std::string_view>& chars, std::size_t first,
                  std::map<std::string, std::size_t>& prefixes) {
  std::string prefix(chars[first]);
  for (std::size_t i = first + 1; i < chars.size(); ++i) {
    prefix += chars[i];
    prefixes.emplace(prefix, i + 1 - first);
  }
}

// Single characters score lowest; longer prefixes score higher, so that among pieces that
// could merge the longest always wins, as in a trained SentencePiece model.
std::vector<Piece> corpus_pieces(const std::map<std::string, uint32_t>& counts, uint32_t min_count,
                                 uint32_t& words) {
  std::set<std::string> singles{std::string(kSpace)};
  for (char c = kFirstPrintable; c <= kLastPrintable; ++c) {
    singles.insert(std::string(1, c));
  }
  std::map<std::string, std::size_t> prefixes;  // piece -> length in characters
  words = 0;
  for (const auto& [word, count] : counts) {
    const auto chars = characters(word);
    for (const auto character : chars) {
      singles.insert(std::string(character));
    }
    if (count < min_count || chars.size() < 2) {
      continue;
    }
    ++words;
    add_prefixes(chars, 0, prefixes);
    add_prefixes(chars, 1, prefixes);
  }
  std::vector<Piece> pieces;
  pieces.reserve(singles.size() + prefixes.size());
  for (const auto& single : singles) {
    pieces.push_back({single, -1.0F, kTypeNormal});
  }
  for (const auto& [prefix, length] : prefixes) {
    pieces.push_back({prefix, static_cast<float>(length), kTypeNormal});
  }
  return pieces;
}

Result<bool, std::string> write_vocab(const std::vector<Piece>& pieces,
                                      const std::string& out_path) {
  std::vector<const char*> texts;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (const auto& piece : pieces) {
    texts.push_back(piece.text.c_str());
    scores.push_back(piece.score);
    types.push_back(piece.type);
  }
  const gguf_context_ptr file(gguf_init_empty());
  gguf_context* gguf = file.get();
  gguf_set_val_str(gguf, "tokenizer.ggml.model", "llama");
  gguf_set_val_str(gguf, "tokenizer.ggml.pre", "default");
  gguf_set_arr_str(gguf, "tokenizer.ggml.tokens", texts.data(), texts.size());
  gguf_set_arr_data(gguf, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores.data(), scores.size());
  gguf_set_arr_data(gguf, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types.data(), types.size());
  gguf_set_val_u32(gguf, "tokenizer.ggml.bos_token_id", 1);
  gguf_set_val_u32(gguf, "tokenizer.ggml.eos_token_id", 2);
  gguf_set_val_u32(gguf, "tokenizer.ggml.unknown_token_id", 0);
  gguf_set_val_bool(gguf, "tokenizer.ggml.add_bos_token", true);
  gguf_set_val_bool(gguf, "tokenizer.ggml.add_eos_token", false);
  if (!gguf_write_to_file(gguf, out_path.c_str(), /*only_meta=*/true)) {
    return fail(fmt::format("cannot write '{}'", out_path));
  }
  return true;
}

}  // namespace

Result<VocabSummary, std::string> make_vocab(const std::vector<std::string>& texts,
                                             uint32_t min_count, const std::string& out_path) {
  std::map<std::string, uint32_t> counts;
  for (const auto& text : texts) {
    count_words(text, counts);
  }
  VocabSummary summary;
  std::vector<Piece> pieces = fixed_pieces();
  const std::vector<Piece> learned =
      corpus_pieces(counts, std::max<uint32_t>(min_count, 1), summary.words);
  pieces.insert(pieces.end(), learned.begin(), learned.end());
  if (auto written = write_vocab(pieces, out_path); !written) {
    return fail(std::move(written).error());
  }
  summary.tokens = static_cast<uint32_t>(pieces.size());
  return summary;
}

}  // namespace switchyard::local
