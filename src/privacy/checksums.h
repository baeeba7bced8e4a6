// Validators for structured identifiers: checksums, issuer ranges, length tables and syntax
// checks that turn a pattern match into a confirmed value (or drop it). Pure functions of their
// argument; thread-safe.
//
// Each takes the value as it is normalised for that identifier (digits only for cards, the
// compact form for IBANs, ...); the scanner does the normalising.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace switchyard::privacy {

// Luhn (mod 10) over a string of ASCII digits; false for anything else or an empty string.
bool luhn_valid(std::string_view digits);

enum class CardBrand {
  kVisa,
  kMastercard,
  kAmex,
  kDiscover,
  kJcb,
  kDiners,
  kUnionPay,
  kMaestro,
  kMir,
};

// The brand whose issuer range and lengths admit these digits (Luhn not checked).
std::optional<CardBrand> card_brand(std::string_view digits);

// A card number: an issuer range, a length it allows, and a Luhn check digit.
bool payment_card_valid(std::string_view digits);

// The IBAN length of a country (two upper-case letters), or nullopt when it has no IBAN.
std::optional<std::size_t> iban_length(std::string_view country);

// An IBAN in compact form (no spaces, either case): known country, its length, mod-97 == 1.
bool iban_valid(std::string_view compact);

// A US ABA routing number: nine digits, a Federal Reserve prefix, weights 3-7-1 mod 10.
bool aba_routing_valid(std::string_view digits);

// A US SSN as nine digits: area not 000, 666 or 9xx, group not 00, serial not 0000, and not
// one of the numbers that were published and voided.
bool ssn_valid(std::string_view digits);

// A US NPI: ten digits starting with 1 or 2 whose check digit is Luhn over "80840" + digits.
bool npi_valid(std::string_view digits);

// A DEA number: registrant letter, name letter (or 9), seven digits with the DEA check digit.
bool dea_valid(std::string_view value);

// An ISO 3166-1 alpha-2 code, upper case (XK included, as banks use it).
bool iso_country(std::string_view code);

// SWIFT/BIC syntax: 4 letters, a country, 2 alphanumerics, optional 3 more; upper case.
bool swift_bic_valid(std::string_view value);

bool ipv4_valid(std::string_view value);

// Full and compressed forms, with an optional dotted IPv4 tail. A compressed address must have
// a digit or at least two groups, so words such as "add::" from source code do not pass.
bool ipv6_valid(std::string_view value);

// Six hex pairs joined by one consistent ':' or '-', or three dot-separated hex quads.
bool mac_valid(std::string_view value);

// Shannon entropy in bits per byte.
double shannon_entropy(std::string_view value);

// Three base64url parts whose first decodes to a JSON object with an "alg" member.
bool jwt_valid(std::string_view token);

// Decodes base64url (either alphabet, padding optional); nullopt on a bad character.
std::optional<std::string> decode_base64url(std::string_view text);

// Whether `digits` (what follows '+') starts with an assigned country calling code; returns
// its length (1 to 3).
std::optional<std::size_t> calling_code_length(std::string_view digits);

}  // namespace switchyard::privacy
