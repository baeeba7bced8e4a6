// Shared by the privacy tests: one patterns-only Scanner and a compact view of its findings.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "privacy/scanner.h"

namespace switchyard::privacy::testing {

// (type name, matched text) for each entity.
using Found = std::vector<std::pair<std::string, std::string>>;

inline const Scanner& patterns_only() {
  static const Scanner scanner = [] {
    auto made = Scanner::create(GuardOptions{});
    EXPECT_TRUE(made.ok()) << made.error();
    return std::move(made).value();
  }();
  return scanner;
}

inline Found found(const Scanner& scanner, std::string_view text) {
  Found out;
  for (const Entity& entity : scanner.scan(text)) {
    out.emplace_back(std::string(name_of(entity.type)),
                     std::string(text.substr(entity.begin, entity.size())));
  }
  return out;
}

inline Found found(std::string_view text) {
  return found(patterns_only(), text);
}

inline Found one(std::string_view type, std::string_view text) {
  return {{std::string(type), std::string(text)}};
}

}  // namespace switchyard::privacy::testing
