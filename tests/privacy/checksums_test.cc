#include "privacy/checksums.h"

#include <gtest/gtest.h>

#include "test_values.h"

namespace switchyard::privacy {
namespace {

using testing::make_aba;
using testing::make_dea;
using testing::make_iban;
using testing::make_npi;
using testing::with_luhn_digit;
using testing::with_wrong_last_digit;

TEST(LuhnTest, AcceptsPublishedTestCardsAndRejectsAChangedDigit) {
  for (const char* number : {"4111111111111111", "5555555555554444", "378282246310005",
                             "6011111111111117", "3530111333300000", "30569309025904"}) {
    EXPECT_TRUE(luhn_valid(number)) << number;
    EXPECT_FALSE(luhn_valid(with_wrong_last_digit(number))) << number;
  }
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("4111-1111"));
}

TEST(PaymentCardTest, KnowsEachBrandsIssuerRangeAndLengths) {
  struct Case {
    std::string body;
    CardBrand brand;
  };
  const Case cases[] = {
      {"411111111111111", CardBrand::kVisa},       {"401288888888", CardBrand::kVisa},
      {"555555555555444", CardBrand::kMastercard}, {"222300312200322", CardBrand::kMastercard},
      {"34000000000000", CardBrand::kAmex},        {"37144963539843", CardBrand::kAmex},
      {"601100099013942", CardBrand::kDiscover},   {"650000000000000", CardBrand::kDiscover},
      {"356600202036050", CardBrand::kJcb},        {"3056930902590", CardBrand::kDiners},
      {"620000000000000", CardBrand::kUnionPay},   {"67596498264384", CardBrand::kMaestro},
  };
  for (const Case& c : cases) {
    const std::string number = with_luhn_digit(c.body);
    ASSERT_TRUE(card_brand(number).has_value()) << number;
    EXPECT_EQ(*card_brand(number), c.brand) << number;
    EXPECT_TRUE(payment_card_valid(number)) << number;
    EXPECT_FALSE(payment_card_valid(with_wrong_last_digit(number))) << number;
  }
}

TEST(PaymentCardTest, RejectsNumbersOutsideEveryIssuerRange) {
  EXPECT_FALSE(payment_card_valid(with_luhn_digit("123456789012345")));
  EXPECT_FALSE(payment_card_valid(with_luhn_digit("900000000000000")));
  // Mastercard's 2-series ends at 2720.
  EXPECT_FALSE(payment_card_valid(with_luhn_digit("272100000000000")));
  // Visa issues 13, 16 and 19 digits, not 17.
  EXPECT_FALSE(payment_card_valid(with_luhn_digit("4111111111111111")));
}

TEST(IbanTest, AcceptsValidIbansOfSeveralCountries) {
  EXPECT_TRUE(iban_valid("GB82WEST12345698765432"));
  EXPECT_TRUE(iban_valid("gb82west12345698765432"));
  EXPECT_TRUE(iban_valid(make_iban("DE", "370400440532013000")));
  EXPECT_TRUE(iban_valid(make_iban("FR", "20041010050500013M02606")));
  EXPECT_TRUE(iban_valid(make_iban("NO", "86011117947")));
  EXPECT_TRUE(iban_valid(make_iban("MT", "MALT011000012345MTLCAST001S")));
}

TEST(IbanTest, RejectsWrongCheckDigitsLengthsAndCountries) {
  EXPECT_FALSE(iban_valid("GB83WEST12345698765432"));
  EXPECT_FALSE(iban_valid("GB82WEST1234569876543"));
  EXPECT_FALSE(iban_valid(make_iban("DE", "3704004405320130001")));  // 23 characters
  EXPECT_FALSE(iban_valid(make_iban("US", "123456789012345678")));   // no IBAN in the US
  EXPECT_FALSE(iban_valid("GB82 WEST 1234 5698 7654 32"));           // compact form only
}

TEST(AbaRoutingTest, AcceptsChecksummedNumbersInFederalReserveRanges) {
  EXPECT_TRUE(aba_routing_valid("011000015"));
  EXPECT_TRUE(aba_routing_valid(make_aba("02100002")));
  EXPECT_TRUE(aba_routing_valid(make_aba("32227162")));
  EXPECT_FALSE(aba_routing_valid("011000016"));
  EXPECT_FALSE(aba_routing_valid(make_aba("50000000")));  // no district 50
  EXPECT_FALSE(aba_routing_valid("000000000"));
  EXPECT_FALSE(aba_routing_valid("01100001"));
}

TEST(SsnTest, RejectsReservedAreasGroupsSerialsAndVoidedNumbers) {
  EXPECT_TRUE(ssn_valid("536904399"));
  EXPECT_TRUE(ssn_valid("899451234"));
  for (const char* invalid : {"000123456", "666123456", "912345678", "123004567", "123450000",
                              "078051120", "219099999", "123456789", "12345678", "12345678a"}) {
    EXPECT_FALSE(ssn_valid(invalid)) << invalid;
  }
}

TEST(NpiTest, ChecksTheLuhnDigitOverThe80840Prefix) {
  EXPECT_TRUE(npi_valid("1234567893"));  // the example in the CMS specification
  const std::string made = make_npi("245319918");
  EXPECT_TRUE(npi_valid(made));
  EXPECT_FALSE(npi_valid(with_wrong_last_digit(made)));
  EXPECT_FALSE(npi_valid(make_npi("345319918")));  // must start with 1 or 2
  EXPECT_FALSE(npi_valid("123456789"));
}

TEST(DeaTest, ChecksLettersAndTheCheckDigit) {
  const std::string valid = make_dea("AB", "123456");
  EXPECT_EQ(valid, "AB1234563");
  EXPECT_TRUE(dea_valid(valid));
  EXPECT_TRUE(dea_valid(make_dea("M9", "482193")));  // mid-level practitioner, '9' for a name
  EXPECT_FALSE(dea_valid(with_wrong_last_digit(valid)));
  EXPECT_FALSE(dea_valid(make_dea("ZB", "123456")));  // Z is not a registrant type
  EXPECT_FALSE(dea_valid(make_dea("A1", "123456")));
  EXPECT_FALSE(dea_valid("AB123456"));
}

TEST(SwiftBicTest, NeedsTheStructureAndARealCountry) {
  EXPECT_TRUE(swift_bic_valid("DEUTDEFF"));
  EXPECT_TRUE(swift_bic_valid("DEUTDEFF500"));
  EXPECT_TRUE(swift_bic_valid("NWBKGB2L"));
  EXPECT_FALSE(swift_bic_valid("DEUTXXFF"));
  EXPECT_FALSE(swift_bic_valid("DEUTDEF"));
  EXPECT_FALSE(swift_bic_valid("deutdeff"));
  EXPECT_FALSE(swift_bic_valid("DEU1DEFF"));
}

TEST(IpAddressTest, Ipv4OctetsStayInRange) {
  EXPECT_TRUE(ipv4_valid("192.168.0.1"));
  EXPECT_TRUE(ipv4_valid("255.255.255.255"));
  EXPECT_FALSE(ipv4_valid("256.1.1.1"));
  EXPECT_FALSE(ipv4_valid("1.2.3"));
  EXPECT_FALSE(ipv4_valid("1.2.3.4.5"));
  EXPECT_FALSE(ipv4_valid("1..3.4"));
}

TEST(IpAddressTest, Ipv6AcceptsFullAndCompressedForms) {
  for (const char* address :
       {"2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8::1", "::1",
        "fe80::", "::", "::ffff:192.0.2.1", "6e40:4041:c617:e898:c11:40d2:c669:2eb4",
        "2001:db8:0:0:1::1", "dead::beef"}) {
    if (std::string_view(address) == "::") {
      EXPECT_FALSE(ipv6_valid(address)) << "the unspecified address alone is too short to tell";
      continue;
    }
    EXPECT_TRUE(ipv6_valid(address)) << address;
  }
}

TEST(IpAddressTest, Ipv6RejectsTimesIdentifiersAndMalformedGroups) {
  for (const char* text : {"12:30:45", "a::b", "add::", "2001:db8::1::2", "1:2:3:4:5:6:7",
                           "1:2:3:4:5:6:7:8:9", "12345::1", "g::1"}) {
    EXPECT_FALSE(ipv6_valid(text)) << text;
  }
}

TEST(MacAddressTest, NeedsOneConsistentSeparator) {
  EXPECT_TRUE(mac_valid("00:1A:2B:3C:4D:5E"));
  EXPECT_TRUE(mac_valid("00-1a-2b-3c-4d-5e"));
  EXPECT_TRUE(mac_valid("001a.2b3c.4d5e"));
  EXPECT_FALSE(mac_valid("00:1A-2B:3C:4D:5E"));
  EXPECT_FALSE(mac_valid("00:1A:2B:3C:4D"));
  EXPECT_FALSE(mac_valid("00:1G:2B:3C:4D:5E"));
}

TEST(EntropyTest, RandomLooksRandomAndRepetitionDoesNot) {
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abcd"), 2.0);
  EXPECT_GT(shannon_entropy(testing::random_chars(40, 7)), 4.5);
}

TEST(JwtTest, NeedsAHeaderThatDecodesToJsonWithAlg) {
  const std::string header = testing::base64url(R"({"alg":"HS256","typ":"JWT"})");
  const std::string payload = testing::base64url(R"({"sub":"42"})");
  EXPECT_TRUE(jwt_valid(header + "." + payload + "." + testing::random_chars(43, 3)));
  EXPECT_TRUE(jwt_valid(header + "." + payload + "."));  // alg "none" tokens have no signature
  const std::string no_alg = testing::base64url(R"({"typ":"JWT"})");
  EXPECT_FALSE(jwt_valid(no_alg + "." + payload + ".sig"));
  EXPECT_FALSE(jwt_valid(header + "." + payload));
  EXPECT_FALSE(jwt_valid("eyJub3QganNvbg." + payload + ".sig"));
}

TEST(CallingCodeTest, KnowsCodeLengths) {
  EXPECT_EQ(calling_code_length("14155550100"), 1u);
  EXPECT_EQ(calling_code_length("447700900123"), 2u);
  EXPECT_EQ(calling_code_length("353861234567"), 3u);
  EXPECT_FALSE(calling_code_length("0123").has_value());
  EXPECT_FALSE(calling_code_length("28").has_value());
}

}  // namespace
}  // namespace switchyard::privacy
