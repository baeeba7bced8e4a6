#include "privacy/evaluation.h"

#include <array>
#include <fstream>

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "privacy/tagger_features.h"
#include "privacy/text_scan.h"
#include "privacy/tokenizer.h"

namespace switchyard::privacy {
namespace {

namespace json = boost::json;

struct NamePair {
  EntityType type;
  std::string_view dataset;
};

// Several of our types fold into one dataset type; the first listed is what training uses.
constexpr std::array kNames{
    NamePair{EntityType::kPerson, "PERSON"},
    NamePair{EntityType::kStreetAddress, "STREET_ADDRESS"},
    NamePair{EntityType::kLocation, "GPE"},
    NamePair{EntityType::kOrganization, "ORGANIZATION"},
    NamePair{EntityType::kPaymentCard, "CREDIT_CARD"},
    NamePair{EntityType::kDateTime, "DATE_TIME"},
    NamePair{EntityType::kDateOfBirth, "DATE_TIME"},
    NamePair{EntityType::kTitle, "TITLE"},
    NamePair{EntityType::kPhone, "PHONE_NUMBER"},
    NamePair{EntityType::kAge, "AGE"},
    NamePair{EntityType::kNrp, "NRP"},
    NamePair{EntityType::kEmail, "EMAIL_ADDRESS"},
    NamePair{EntityType::kPostalCode, "ZIP_CODE"},
    NamePair{EntityType::kUrl, "DOMAIN_NAME"},
    NamePair{EntityType::kIban, "IBAN_CODE"},
    NamePair{EntityType::kUsSsn, "US_SSN"},
    NamePair{EntityType::kIpAddress, "IP_ADDRESS"},
    NamePair{EntityType::kDriverLicense, "US_DRIVER_LICENSE"},
};

// Byte offset of every code point boundary (one more entry than code points).
std::vector<std::uint32_t> code_point_offsets(std::string_view text) {
  std::vector<std::uint32_t> offsets;
  for (std::uint32_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      offsets.push_back(i);
    }
  }
  offsets.push_back(static_cast<std::uint32_t>(text.size()));
  return offsets;
}

Result<LabelledText, std::string> parse_record(std::string_view line) {
  boost::system::error_code error;
  const json::value value = json::parse(line, error);
  const json::object* object = error ? nullptr : value.if_object();
  const json::value* text = object != nullptr ? object->if_contains("text") : nullptr;
  const json::value* spans = object != nullptr ? object->if_contains("spans") : nullptr;
  if (text == nullptr || !text->is_string() || spans == nullptr || !spans->is_array()) {
    return fail(std::string("not an object with \"text\" and \"spans\""));
  }
  LabelledText record;
  record.text = std::string(text->as_string());
  const auto offsets = code_point_offsets(record.text);
  for (const json::value& span : spans->as_array()) {
    const auto* fields = span.if_object();
    const auto* type = fields != nullptr ? fields->if_contains("type") : nullptr;
    const auto* start = fields != nullptr ? fields->if_contains("start") : nullptr;
    const auto* end = fields != nullptr ? fields->if_contains("end") : nullptr;
    if (type == nullptr || !type->is_string() || start == nullptr || !start->is_int64() ||
        end == nullptr || !end->is_int64()) {
      return fail(std::string("a span without type, start and end"));
    }
    const auto ours = type_from_dataset(type->as_string());
    const auto first = start->as_int64();
    const auto last = end->as_int64();
    if (first < 0 || last < first || static_cast<std::size_t>(last) >= offsets.size()) {
      return fail(std::string("a span outside its text"));
    }
    if (ours) {
      Entity entity;
      entity.type = *ours;
      entity.begin = offsets[first];
      entity.end = offsets[last];
      record.entities.push_back(entity);
    }
  }
  return record;
}

// The dataset name a token carries, or "" for none. First span that overlaps wins.
std::string_view token_label(const Token& token, std::span<const Entity> entities) {
  for (const Entity& entity : entities) {
    if (token.begin < entity.end && entity.begin < token.end) {
      return dataset_name(entity.type).value_or("");
    }
  }
  return "";
}

void score_tokens(std::string_view text, std::span<const Entity> gold,
                  std::span<const Entity> predicted, EvaluationReport& report) {
  std::vector<Token> tokens;
  tokenize(text, tokens);
  for (const Token& token : tokens) {
    if (token.size() == 1 && !is_word_byte(text[token.begin])) {
      continue;  // punctuation is not scored
    }
    const std::string_view truth = token_label(token, gold);
    const std::string_view guess = token_label(token, predicted);
    if (!truth.empty()) {
      ++report.token_scores[std::string(truth)].gold;
      ++report.token_overall.gold;
    }
    if (!guess.empty()) {
      ++report.token_scores[std::string(guess)].predicted;
      ++report.token_overall.predicted;
    }
    if (!truth.empty() && truth == guess) {
      ++report.token_scores[std::string(truth)].correct;
    }
    report.token_overall.correct += !truth.empty() && !guess.empty() ? 1 : 0;
  }
}

void score_spans(std::span<const Entity> gold, std::span<const Entity> predicted,
                 EvaluationReport& report) {
  for (const Entity& truth : gold) {
    ++report.span_scores[std::string(*dataset_name(truth.type))].gold;
    ++report.span_overall.gold;
  }
  for (const Entity& guess : predicted) {
    const auto name = dataset_name(guess.type);
    if (!name) {
      continue;
    }
    ++report.span_scores[std::string(*name)].predicted;
    ++report.span_overall.predicted;
    for (const Entity& truth : gold) {
      if (truth.begin == guess.begin && truth.end == guess.end &&
          dataset_name(truth.type) == name) {
        ++report.span_scores[std::string(*name)].correct;
        ++report.span_overall.correct;
        break;
      }
    }
  }
}

std::string format_row(std::string_view name, const Score& score) {
  return fmt::format("{:<20} {:>6} {:>6} {:>9.3f} {:>7.3f} {:>7.3f} {:>7.3f}\n", name, score.gold,
                     score.predicted, score.precision(), score.recall(), score.f_beta(1),
                     score.f_beta(2));
}

std::string format_table(std::string_view title, const std::map<std::string, Score>& scores,
                         const Score& overall) {
  std::string out = fmt::format("{}\n{:<20} {:>6} {:>6} {:>9} {:>7} {:>7} {:>7}\n", title, "type",
                                "gold", "pred", "precision", "recall", "F1", "F2");
  for (const auto& [name, score] : scores) {
    out += format_row(name, score);
  }
  return out + format_row("overall", overall);
}

}  // namespace

std::optional<std::string_view> dataset_name(EntityType type) {
  for (const NamePair& pair : kNames) {
    if (pair.type == type) {
      return pair.dataset;
    }
  }
  return std::nullopt;
}

std::optional<EntityType> type_from_dataset(std::string_view name) {
  for (const NamePair& pair : kNames) {
    if (pair.dataset == name) {
      return pair.type;
    }
  }
  return std::nullopt;
}

Result<std::vector<LabelledText>, std::string> read_dataset(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return fail(fmt::format("cannot open {}", path));
  }
  std::vector<LabelledText> records;
  std::string line;
  for (std::size_t number = 1; std::getline(file, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    auto record = parse_record(line);
    if (!record) {
      return fail(fmt::format("{}:{}: {}", path, number, record.error()));
    }
    records.push_back(std::move(record).value());
  }
  return records;
}

bool is_heldout(std::string_view text) {
  constexpr std::uint64_t kBuckets = 100;
  constexpr std::uint64_t kTrainingBuckets = 70;
  return tagging::fnv1a(text) % kBuckets >= kTrainingBuckets;
}

double Score::precision() const {
  return predicted == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(predicted);
}

double Score::recall() const {
  return gold == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(gold);
}

double Score::f_beta(double beta) const {
  const double p = precision();
  const double r = recall();
  const double b2 = beta * beta;
  return p + r == 0 ? 0.0 : (1 + b2) * p * r / (b2 * p + r);
}

EvaluationReport evaluate(const Scanner& scanner, std::span<const LabelledText> records) {
  EvaluationReport report;
  for (const LabelledText& record : records) {
    std::vector<Entity> predicted = scanner.scan(record.text);
    std::erase_if(predicted, [](const Entity& e) { return !dataset_name(e.type); });
    score_tokens(record.text, record.entities, predicted, report);
    score_spans(record.entities, predicted, report);
    ++report.records;
  }
  return report;
}

std::string format_report(const EvaluationReport& report) {
  return fmt::format("records: {}\n\n", report.records) +
         format_table("token level (Presidio scheme; overall ignores the type)",
                      report.token_scores, report.token_overall) +
         "\n" +
         format_table("span level (exact type and bounds)", report.span_scores,
                      report.span_overall);
}

}  // namespace switchyard::privacy
