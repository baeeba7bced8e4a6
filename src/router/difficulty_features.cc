#include "router/difficulty_features.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <string>

namespace switchyard::router {
namespace {

enum Dense : std::uint8_t {
  kLogChars,
  kLogWords,
  kNumbers,
  kDistinctNumbers,
  kMaxNumberDigits,
  kDecimals,
  kFractions,
  kPercents,
  kCurrency,
  kQuantityWords,
  kMathSymbols,
  kSentences,
  kQuestionMarks,
  kHasOptions,
  kOptionCount,
  kOptionLength,
  kOptionSpread,
  kNumericOptions,
  kAboveOptions,
  kNegations,
  kRomanStatements,
  kBars,
  kFormulaMarks,
  kCodeMarks,
  kUppercaseShare,
  kMeanWordLength,
  kLongWordShare,
  kCapitalisedShare,
  kQuotes,
  kDigitShare,
  kEndsWithQuestion,
  kQuestionWords,
};

constexpr std::array<std::string_view, kDenseFeatureCount> kDenseNames = {
    "log_chars",
    "log_words",
    "numbers",
    "distinct_numbers",
    "max_digits",
    "decimals",
    "fractions",
    "percents",
    "currency",
    "quantity_words",
    "math_symbols",
    "sentences",
    "question_marks",
    "has_options",
    "option_count",
    "option_length",
    "option_spread",
    "numeric_options",
    "above_options",
    "negations",
    "roman_statements",
    "bars",
    "formula_marks",
    "code_marks",
    "uppercase_share",
    "mean_word_length",
    "long_word_share",
    "capitalised_share",
    "quotes",
    "digit_share",
    "ends_with_question",
    "question_words",
};

// Words that signal a step of arithmetic in a word problem.
constexpr std::array<std::string_view, 34> kQuantityWordList = {
    "times",   "twice",     "half", "double",     "triple",     "each",   "per",
    "every",   "total",     "sum",  "difference", "product",    "more",   "less",
    "fewer",   "remaining", "left", "percent",    "average",    "ratio",  "rate",
    "cost",    "costs",     "paid", "pay",        "spent",      "earn",   "earns",
    "minutes", "hours",     "days", "weeks",      "altogether", "profit",
};

constexpr std::array<std::string_view, 6> kAboveWordList = {"above", "both", "neither",
                                                            "none",  "all",  "true"};

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr std::size_t kMaxShapeDigits = 5;
constexpr std::size_t kLongWord = 10;
constexpr std::size_t kOpeningWords = 3;

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
char lower(char c) {
  return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

std::uint64_t mix(std::uint64_t hash, std::uint64_t value) {
  return (hash ^ value) * kFnvPrime;
}

// Where the options of a multiple-choice prompt are: lines that start "A." (or "A)"), "B.",
// ... in order. `stem` is what comes before the first option.
struct PromptLayout {
  std::string_view stem;
  std::vector<std::string_view> options;
};

bool option_starts_at(std::string_view text, std::size_t pos, char letter) {
  return pos + 2 <= text.size() && text[pos] == letter &&
         (text[pos + 1] == '.' || text[pos + 1] == ')');
}

PromptLayout layout_of(std::string_view text) {
  PromptLayout layout{text, {}};
  std::size_t start = std::string_view::npos;
  for (std::size_t pos = text.find('\n'); pos != std::string_view::npos;
       pos = text.find('\n', pos + 1)) {
    if (option_starts_at(text, pos + 1, 'A')) {
      start = pos;
    }
  }
  if (start == std::string_view::npos) {
    return layout;
  }
  char letter = 'A';
  std::size_t pos = start + 1;
  while (option_starts_at(text, pos, letter)) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    layout.options.push_back(text.substr(pos + 2, end - pos - 2));
    ++letter;
    pos = end + 1;
    if (end == text.size()) {
      break;
    }
  }
  if (layout.options.size() < 2) {
    layout.options.clear();
    return layout;
  }
  layout.stem = text.substr(0, start);
  return layout;
}

// One token: a word (letters, lowercased) or a number (digits with inner ',' or '.').
struct Token {
  std::uint64_t hash = 0;
  std::size_t letters = 0;
  std::size_t digits = 0;
  bool capitalised = false;
  bool decimal = false;
  std::uint64_t value_hash = 0;  // numbers: the digits themselves, for distinct counts
};

// Splits `text` into tokens, calling `sink(token, word)` for each.
template <class Sink>
void for_each_token(std::string_view text, Sink&& sink) {
  std::string word;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    Token token;
    if (is_alpha(c)) {
      word.clear();
      token.hash = kFnvOffset;
      token.capitalised = is_upper(c);
      while (pos < text.size() && is_alpha(text[pos])) {
        word.push_back(lower(text[pos]));
        token.hash = mix(token.hash, static_cast<unsigned char>(word.back()));
        ++pos;
      }
      token.letters = word.size();
      sink(token, std::string_view(word));
    } else if (is_digit(c)) {
      token.value_hash = kFnvOffset;
      while (pos < text.size() &&
             (is_digit(text[pos]) || ((text[pos] == ',' || text[pos] == '.') &&
                                      pos + 1 < text.size() && is_digit(text[pos + 1])))) {
        token.decimal = token.decimal || text[pos] == '.';
        token.digits += is_digit(text[pos]) ? 1 : 0;
        token.value_hash = mix(token.value_hash, static_cast<unsigned char>(text[pos]));
        ++pos;
      }
      token.hash = mix(mix(kFnvOffset, '#'), std::min(token.digits, kMaxShapeDigits));
      sink(token, std::string_view());
    } else {
      ++pos;
    }
  }
}

template <std::size_t N>
bool is_one_of(std::string_view word, const std::array<std::string_view, N>& words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

std::size_t count_of(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t pos = text.find(needle); pos != std::string_view::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

// Namespaces keep the same word in the stem and in the options apart.
constexpr std::uint64_t kStemUnigram = 1;
constexpr std::uint64_t kStemBigram = 2;
constexpr std::uint64_t kOptionUnigram = 3;
constexpr std::uint64_t kOptionBigram = 4;
constexpr std::uint64_t kOpening = 5;

class BucketWriter {
 public:
  BucketWriter(unsigned hash_bits, std::vector<std::uint32_t>& out)
      : mask_((1U << hash_bits) - 1), out_(out) {}

  void add(std::uint64_t space, std::uint64_t hash) {
    std::uint64_t h = mix(mix(kFnvOffset, space), hash);
    h ^= h >> 29;
    out_.push_back(static_cast<std::uint32_t>(h) & mask_);
  }

 private:
  std::uint32_t mask_;
  std::vector<std::uint32_t>& out_;
};

// Counts over the stem that the dense features are made of.
struct StemCounts {
  std::size_t words = 0;
  std::size_t letters = 0;
  std::size_t long_words = 0;
  std::size_t capitalised = 0;
  std::size_t numbers = 0;
  std::size_t decimals = 0;
  std::size_t max_digits = 0;
  std::size_t quantity_words = 0;
  std::size_t negations = 0;
  std::vector<std::uint64_t> number_values;
};

void add_stem(std::string_view stem, BucketWriter& buckets, StemCounts& counts) {
  std::uint64_t previous = 0;
  std::size_t position = 0;
  for_each_token(stem, [&](const Token& token, std::string_view word) {
    buckets.add(kStemUnigram, token.hash);
    if (previous != 0) {
      buckets.add(kStemBigram, mix(previous, token.hash));
    }
    if (position < kOpeningWords) {
      buckets.add(kOpening + position, token.hash);
    }
    previous = token.hash;
    ++position;
    if (token.letters > 0) {
      ++counts.words;
      counts.letters += token.letters;
      counts.long_words += token.letters >= kLongWord ? 1 : 0;
      counts.capitalised += token.capitalised ? 1 : 0;
      counts.quantity_words += is_one_of(word, kQuantityWordList) ? 1 : 0;
      counts.negations += (word == "not" || word == "except" || word == "least") ? 1 : 0;
    } else {
      ++counts.numbers;
      counts.decimals += token.decimal ? 1 : 0;
      counts.max_digits = std::max(counts.max_digits, token.digits);
      counts.number_values.push_back(token.value_hash);
    }
  });
}

struct OptionCounts {
  std::size_t numeric = 0;
  std::size_t above = 0;
  double total_length = 0;
  double shortest = 0;
  double longest = 0;
};

OptionCounts add_options(const std::vector<std::string_view>& options, BucketWriter& buckets) {
  OptionCounts counts;
  counts.shortest = 1e9;
  for (const std::string_view option : options) {
    std::uint64_t previous = 0;
    std::size_t words = 0;
    std::size_t numbers = 0;
    bool above = false;
    for_each_token(option, [&](const Token& token, std::string_view word) {
      buckets.add(kOptionUnigram, token.hash);
      if (previous != 0) {
        buckets.add(kOptionBigram, mix(previous, token.hash));
      }
      previous = token.hash;
      words += token.letters > 0 ? 1 : 0;
      numbers += token.letters > 0 ? 0 : 1;
      above = above || is_one_of(word, kAboveWordList);
    });
    counts.numeric += numbers > 0 && numbers >= words ? 1 : 0;
    counts.above += above ? 1 : 0;
    const auto length = static_cast<double>(option.size());
    counts.total_length += length;
    counts.shortest = std::min(counts.shortest, length);
    counts.longest = std::max(counts.longest, length);
  }
  return counts;
}

std::size_t distinct(std::vector<std::uint64_t>& values) {
  std::sort(values.begin(), values.end());
  return static_cast<std::size_t>(std::unique(values.begin(), values.end()) - values.begin());
}

// Character-level counts over the whole prompt.
struct CharacterCounts {
  std::size_t upper = 0;
  std::size_t letters = 0;
  std::size_t digits = 0;
  std::size_t math = 0;
  std::size_t formula = 0;
  std::size_t code = 0;
  std::size_t sentences = 0;
  std::size_t questions = 0;
  std::size_t quotes = 0;
  std::size_t bars = 0;
  std::size_t percents = 0;
  std::size_t currency = 0;
  std::size_t fractions = 0;
};

// How many of the text's bytes are any of `chars`, from a histogram of its bytes.
std::size_t count_of(const std::array<std::size_t, 256>& histogram, std::string_view chars) {
  std::size_t total = 0;
  for (const char c : chars) {
    total += histogram[static_cast<unsigned char>(c)];
  }
  return total;
}

// How many of the text's bytes are in [first, last], ASCII characters.
std::size_t count_range(const std::array<std::size_t, 256>& histogram, unsigned char first,
                        unsigned char last) {
  std::size_t total = 0;
  for (unsigned c = first; c <= last; ++c) {
    total += histogram[c];
  }
  return total;
}

// Calls fn(i) for every position i of `c` in the text.
template <class Fn>
void for_each_position(std::string_view text, char c, Fn&& fn) {
  for (std::size_t i = text.find(c); i != std::string_view::npos; i = text.find(c, i + 1)) {
    fn(i);
  }
}

// One histogram of the bytes, then a look at the neighbours of the few marks whose meaning
// depends on them: a hyphen or slash between digits, a stop followed by a break. Classifying
// each byte in turn cost about a hundred instructions a byte, most of a long prompt's score.
CharacterCounts count_characters(std::string_view text) {
  std::array<std::size_t, 256> histogram{};
  for (const char c : text) {
    ++histogram[static_cast<unsigned char>(c)];
  }
  CharacterCounts counts;
  counts.upper = count_range(histogram, 'A', 'Z');
  counts.letters = counts.upper + count_range(histogram, 'a', 'z');
  counts.digits = count_range(histogram, '0', '9');
  counts.math = count_of(histogram, "+*=<>");
  counts.formula = count_of(histogram, "^\\_");
  counts.code = count_of(histogram, "{};");
  counts.questions = histogram['?'];
  counts.quotes = histogram['"'];
  counts.bars = histogram['|'];
  counts.percents = histogram['%'];
  counts.currency = histogram['$'];
  const auto between_digits = [&](std::size_t i) {
    return i > 0 && is_digit(text[i - 1]) && i + 1 < text.size() && is_digit(text[i + 1]);
  };
  for_each_position(text, '-', [&](std::size_t i) { counts.math += between_digits(i) ? 1 : 0; });
  for_each_position(text, '/',
                    [&](std::size_t i) { counts.fractions += between_digits(i) ? 1 : 0; });
  const auto at_break = [&](std::size_t i) {
    return i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n';
  };
  for (const char stop : {'.', '?', '!'}) {
    for_each_position(text, stop, [&](std::size_t i) { counts.sentences += at_break(i) ? 1 : 0; });
  }
  return counts;
}

float log_count(std::size_t count) {
  return std::log1p(static_cast<float>(count));
}

float share(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0F : static_cast<float>(part) / static_cast<float>(whole);
}

// Words in the stem's last sentence: the question itself.
std::size_t question_words(std::string_view stem) {
  std::size_t end = stem.find_last_not_of(" \n\t");
  if (end == std::string_view::npos) {
    return 0;
  }
  std::size_t begin = stem.find_last_of(".!?\n", end == 0 ? 0 : end - 1);
  begin = begin == std::string_view::npos ? 0 : begin + 1;
  std::size_t words = 0;
  for_each_token(stem.substr(begin, end + 1 - begin),
                 [&](const Token& token, std::string_view) { words += token.letters > 0 ? 1 : 0; });
  return words;
}

void fill_dense(std::string_view prompt, const PromptLayout& layout, StemCounts& stem,
                const OptionCounts& options, std::array<float, kDenseFeatureCount>& dense) {
  dense.fill(0.0F);
  const CharacterCounts chars = count_characters(prompt);
  const std::size_t option_count = layout.options.size();
  dense[kLogChars] = log_count(prompt.size());
  dense[kLogWords] = log_count(stem.words);
  dense[kNumbers] = log_count(stem.numbers);
  dense[kDistinctNumbers] = log_count(distinct(stem.number_values));
  dense[kMaxNumberDigits] = static_cast<float>(stem.max_digits);
  dense[kDecimals] = log_count(stem.decimals);
  dense[kFractions] = log_count(chars.fractions);
  dense[kPercents] = log_count(chars.percents);
  dense[kCurrency] = log_count(chars.currency);
  dense[kQuantityWords] = log_count(stem.quantity_words);
  dense[kMathSymbols] = log_count(chars.math);
  dense[kSentences] = log_count(chars.sentences);
  dense[kQuestionMarks] = log_count(chars.questions);

  dense[kHasOptions] = option_count > 0 ? 1.0F : 0.0F;
  dense[kOptionCount] = static_cast<float>(option_count);
  if (option_count > 0) {
    dense[kOptionLength] =
        std::log1p(static_cast<float>(options.total_length / static_cast<double>(option_count)));
    dense[kOptionSpread] =
        static_cast<float>(std::log((options.longest + 1) / (options.shortest + 1)));
    dense[kNumericOptions] = share(options.numeric, option_count);
    dense[kAboveOptions] = static_cast<float>(options.above);
  }
  dense[kNegations] =
      log_count(stem.negations + count_of(layout.stem, "NOT") + count_of(layout.stem, "EXCEPT"));
  dense[kRomanStatements] = log_count(count_of(prompt, "I.") + count_of(prompt, " II"));
  dense[kBars] = log_count(chars.bars);
  dense[kFormulaMarks] = log_count(chars.formula);
  dense[kCodeMarks] = log_count(chars.code);

  dense[kUppercaseShare] = share(chars.upper, chars.letters);
  dense[kMeanWordLength] = share(stem.letters, stem.words);
  dense[kLongWordShare] = share(stem.long_words, stem.words);
  dense[kCapitalisedShare] = share(stem.capitalised, stem.words);
  dense[kQuotes] = log_count(chars.quotes);
  dense[kDigitShare] = share(chars.digits, prompt.size());
  const std::size_t last = layout.stem.find_last_not_of(" \n\t");
  dense[kEndsWithQuestion] = last != std::string_view::npos && layout.stem[last] == '?' ? 1 : 0;
  dense[kQuestionWords] = log_count(question_words(layout.stem));
}

}  // namespace

void extract_features(std::string_view prompt, unsigned hash_bits, PromptFeatures& out) {
  assert(hash_bits >= 8 && hash_bits <= 24);
  out.buckets.clear();
  BucketWriter buckets(hash_bits, out.buckets);
  const PromptLayout layout = layout_of(prompt);
  StemCounts stem;
  add_stem(layout.stem, buckets, stem);
  const OptionCounts options = add_options(layout.options, buckets);
  fill_dense(prompt, layout, stem, options, out.dense);

  settle_buckets(hash_bits, out);
}

void settle_buckets(unsigned hash_bits, PromptFeatures& features) {
  std::vector<std::uint32_t>& buckets = features.buckets;
  // Below this, std::sort's insertion sort is quicker than counting passes.
  constexpr std::size_t kRadixFrom = 256;
  if (buckets.size() < kRadixFrom) {
    std::sort(buckets.begin(), buckets.end());
  } else {
    // Least significant digit first, eight bits a pass; each pass keeps the order of the one
    // before among equal digits, so the last leaves the whole keys sorted.
    thread_local std::vector<std::uint32_t> scratch;
    scratch.resize(buckets.size());
    for (unsigned shift = 0; shift < hash_bits; shift += 8) {
      std::array<std::size_t, 257> starts{};
      for (const std::uint32_t bucket : buckets) {
        ++starts[((bucket >> shift) & 0xFFU) + 1];
      }
      for (std::size_t digit = 1; digit < starts.size(); ++digit) {
        starts[digit] += starts[digit - 1];
      }
      for (const std::uint32_t bucket : buckets) {
        scratch[starts[(bucket >> shift) & 0xFFU]++] = bucket;
      }
      buckets.swap(scratch);
    }
  }
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  features.bucket_weight =
      buckets.empty() ? 0.0F : 1.0F / std::sqrt(static_cast<float>(buckets.size()));
}

std::string_view dense_feature_name(std::size_t index) {
  assert(index < kDenseFeatureCount);
  return kDenseNames[index];
}

}  // namespace switchyard::router
