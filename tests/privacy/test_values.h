// Builders for test identifiers: numbers get their check digits computed here rather than
// copied as literals, and token-shaped secrets are assembled from a seeded generator so no
// realistic credential is ever written into the repository.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::privacy::testing {

// `body` followed by the Luhn check digit that makes it valid.
std::string with_luhn_digit(std::string_view body);

// The same number with its last digit changed, so a checksum over it fails.
std::string with_wrong_last_digit(std::string_view number);

// An IBAN for `country` and `bban` with correct mod-97 check digits.
std::string make_iban(std::string_view country, std::string_view bban);

// An ABA routing number from its first eight digits.
std::string make_aba(std::string_view eight_digits);

// An NPI from its first nine digits.
std::string make_npi(std::string_view nine_digits);

// A DEA number from its two letters and first six digits.
std::string make_dea(std::string_view letters, std::string_view six_digits);

// `length` characters drawn from `alphabet` by a generator seeded with `seed`.
std::string random_chars(
    std::size_t length, std::uint64_t seed,
    std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

std::string base64url(std::string_view bytes);

// A path in the temporary directory that no other test process uses: `name` with this
// process's id, so suites run side by side never share a file.
std::string temp_path(std::string_view name);

}  // namespace switchyard::privacy::testing
