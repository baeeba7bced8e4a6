#include "test_values.h"

#include <filesystem>
#include <unistd.h>

namespace switchyard::privacy::testing {

std::string with_luhn_digit(std::string_view body) {
  int sum = 0;
  bool doubled = true;  // the check digit will sit to the right of the last body digit
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    int value = *it - '0';
    if (doubled) {
      value = value * 2 > 9 ? value * 2 - 9 : value * 2;
    }
    sum += value;
    doubled = !doubled;
  }
  return std::string(body) + static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string with_wrong_last_digit(std::string_view number) {
  std::string changed(number);
  changed.back() = changed.back() == '9' ? '0' : static_cast<char>(changed.back() + 1);
  return changed;
}

std::string make_iban(std::string_view country, std::string_view bban) {
  const std::string rearranged = std::string(bban) + std::string(country) + "00";
  int remainder = 0;
  for (const char c : rearranged) {
    if (c >= '0' && c <= '9') {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    }
  }
  const int check = 98 - remainder;
  std::string iban(country);
  iban += static_cast<char>('0' + check / 10);
  iban += static_cast<char>('0' + check % 10);
  return iban + std::string(bban);
}

std::string make_aba(std::string_view eight_digits) {
  constexpr int kWeights[3] = {3, 7, 1};
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    sum += kWeights[i % 3] * (eight_digits[i] - '0');
  }
  return std::string(eight_digits) + static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string make_npi(std::string_view nine_digits) {
  const std::string full = with_luhn_digit("80840" + std::string(nine_digits));
  return full.substr(5);
}

std::string make_dea(std::string_view letters, std::string_view six_digits) {
  const auto d = [&](int i) { return six_digits[i] - '0'; };
  const int sum = d(0) + d(2) + d(4) + 2 * (d(1) + d(3) + d(5));
  return std::string(letters) + std::string(six_digits) + static_cast<char>('0' + sum % 10);
}

std::string random_chars(std::size_t length, std::uint64_t seed, std::string_view alphabet) {
  std::string out;
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < length; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    out.push_back(alphabet[(state >> 33) % alphabet.size()]);
  }
  return out;
}

std::string base64url(std::string_view bytes) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) {
    out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3F]);
  }
  return out;
}

std::string temp_path(std::string_view name) {
  const std::string file =
      "switchyard_privacy_" + std::to_string(getpid()) + "_" + std::string(name);
  return (std::filesystem::temp_directory_path() / file).string();
}

}  // namespace switchyard::privacy::testing
