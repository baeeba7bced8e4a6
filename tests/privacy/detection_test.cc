// Structured identifiers found in running text: the pattern, the check and the cue words
// together, through the Scanner.
#include <gtest/gtest.h>

#include "scanner_fixture.h"
#include "test_values.h"

namespace switchyard::privacy {
namespace {

using testing::found;
using testing::one;

TEST(PaymentCardDetectionTest, FindsCardsPlainSpacedAndDashed) {
  EXPECT_EQ(found("card 4111111111111111 please"), one("PAYMENT_CARD", "4111111111111111"));
  EXPECT_EQ(found("4111 1111 1111 1111"), one("PAYMENT_CARD", "4111 1111 1111 1111"));
  EXPECT_EQ(found("amex 3782-822463-10005."), one("PAYMENT_CARD", "3782-822463-10005"));
  const std::string mastercard2 = testing::with_luhn_digit("222300312200322");
  EXPECT_EQ(found("pay with " + mastercard2), one("PAYMENT_CARD", mastercard2));
}

TEST(PaymentCardDetectionTest, IgnoresLuhnFailuresAndDigitRunsAroundACard) {
  EXPECT_TRUE(found("4111111111111112").empty());
  EXPECT_TRUE(found("order 94111111111111111").empty());  // part of a longer number
  EXPECT_TRUE(found("4111 1111-1111 1111").empty());      // mixed separators
}

TEST(IbanDetectionTest, FindsCompactGroupedAndLowerCaseForms) {
  EXPECT_EQ(found("IBAN GB82WEST12345698765432."), one("IBAN", "GB82WEST12345698765432"));
  EXPECT_EQ(found("to GB82 WEST 1234 5698 7654 32 today"),
            one("IBAN", "GB82 WEST 1234 5698 7654 32"));
  EXPECT_EQ(found("gb82west12345698765432"), one("IBAN", "gb82west12345698765432"));
  EXPECT_TRUE(found("GB83WEST12345698765432").empty());
}

TEST(BankDetectionTest, RoutingNumbersAndBicsNeedTheirCueWords) {
  EXPECT_EQ(found("ABA routing number 011000015"), one("BANK_ROUTING", "011000015"));
  EXPECT_TRUE(found("ticket 011000015").empty());
  EXPECT_EQ(found("SWIFT code DEUTDEFF500"), one("SWIFT_BIC", "DEUTDEFF500"));
  EXPECT_TRUE(found("WARNING DEPRECATED CONFIGURE").empty());
}

TEST(SsnDetectionTest, DashedNeedsNoCuePlainNeedsOne) {
  EXPECT_EQ(found("SSN: 536-90-4399"), one("US_SSN", "536-90-4399"));
  EXPECT_EQ(found("id 536-90-4399"), one("US_SSN", "536-90-4399"));
  EXPECT_EQ(found("social security number 536904399"), one("US_SSN", "536904399"));
  EXPECT_TRUE(found("invoice 536904399").empty());
  EXPECT_TRUE(found("SSN 666-12-3456").empty());
  EXPECT_TRUE(found("SSN 536-00-4399").empty());
}

TEST(IdentityDetectionTest, PassportsAndLicencesOnlyWithCueWords) {
  EXPECT_EQ(found("passport number X12345678"), one("PASSPORT", "X12345678"));
  EXPECT_EQ(found("my driver's license number is F162823540116"),
            one("DRIVER_LICENSE", "F162823540116"));
  EXPECT_EQ(found("driver's license number is 2270-66-1551"),
            one("DRIVER_LICENSE", "2270-66-1551"));
  EXPECT_TRUE(found("build X12345678 finished").empty());
}

TEST(ContactDetectionTest, FindsEmails) {
  EXPECT_EQ(found("mail jane.doe+news@mail.example.co.uk, thanks"),
            one("EMAIL", "jane.doe+news@mail.example.co.uk"));
  EXPECT_TRUE(found("user@localhost").empty());
}

TEST(ContactDetectionTest, FindsInternationalAndNorthAmericanPhonesWithoutCues) {
  EXPECT_EQ(found("ring +44 20 7946 0958 now"), one("PHONE", "+44 20 7946 0958"));
  EXPECT_EQ(found("+1-984-182-0190x769"), one("PHONE", "+1-984-182-0190x769"));
  EXPECT_EQ(found("see (415) 555-0132"), one("PHONE", "(415) 555-0132"));
  EXPECT_EQ(found("at 780-999-2181"), one("PHONE", "780-999-2181"));
  EXPECT_EQ(found("+46 (0)8 928 571 38"), one("PHONE", "+46 (0)8 928 571 38"));
}

TEST(ContactDetectionTest, FindsNationalFormatsOnlyNextToPhoneWords) {
  EXPECT_EQ(found("Phone:\n0490 75 40 81"), one("PHONE", "0490 75 40 81"));
  EXPECT_EQ(found("call me on 9472 7916?"), one("PHONE", "9472 7916"));
  EXPECT_EQ(found("416 60 039 office"), one("PHONE", "416 60 039"));
  EXPECT_TRUE(found("In 2019 1234 people came").empty());
  EXPECT_TRUE(found("phone bill for 2024-05-01").empty());
}

TEST(NetworkDetectionTest, FindsIpAddressesButNotVersions) {
  EXPECT_EQ(found("blocked 41.173.96.26 again"), one("IP_ADDRESS", "41.173.96.26"));
  EXPECT_EQ(found("|106.31.73.20|"), one("IP_ADDRESS", "106.31.73.20"));
  EXPECT_EQ(found("host fe80::1ff:fe23:4567:890a."), one("IP_ADDRESS", "fe80::1ff:fe23:4567:890a"));
  EXPECT_EQ(found("2001:db8::8a2e:370:7334"), one("IP_ADDRESS", "2001:db8::8a2e:370:7334"));
  EXPECT_TRUE(found("version 1.2.3.4").empty());
  EXPECT_TRUE(found("999.1.1.1").empty());
  EXPECT_TRUE(found("1.2.3.4.5").empty());
  EXPECT_TRUE(found("at 12:30:45 std::vector<int> a::b").empty());
}

TEST(NetworkDetectionTest, FindsMacAddresses) {
  EXPECT_EQ(found("nic 00:1A:2B:3C:4D:5E up"), one("MAC_ADDRESS", "00:1A:2B:3C:4D:5E"));
  EXPECT_EQ(found("001a.2b3c.4d5e"), one("MAC_ADDRESS", "001a.2b3c.4d5e"));
}

TEST(DateOfBirthDetectionTest, NeedsABirthCueAndAValidDate) {
  EXPECT_EQ(found("DOB: 04/13/1978"), one("DATE_OF_BIRTH", "04/13/1978"));
  EXPECT_EQ(found("born on March 3, 1961"), one("DATE_OF_BIRTH", "March 3, 1961"));
  EXPECT_EQ(found("date of birth 1961-03-03"), one("DATE_OF_BIRTH", "1961-03-03"));
  EXPECT_TRUE(found("released 04/13/1978").empty());
  EXPECT_TRUE(found("born 13/13/1978").empty());
}

TEST(HealthDetectionTest, FindsRecordNumbersNpiAndDeaWithTheirCues) {
  EXPECT_EQ(found("MRN: 00482913"), one("MEDICAL_RECORD", "00482913"));
  const std::string npi = testing::make_npi("245319918");
  EXPECT_EQ(found("NPI " + npi), one("NPI", npi));
  EXPECT_TRUE(found("NPI " + testing::with_wrong_last_digit(npi)).empty());
  const std::string dea = testing::make_dea("BM", "482193");
  EXPECT_EQ(found("DEA number " + dea), one("DEA", dea));
  EXPECT_TRUE(found("DEA number " + testing::with_wrong_last_digit(dea)).empty());
}

TEST(HealthDetectionTest, FindsIcd10CodesInClinicalContextAndPlanIds) {
  EXPECT_EQ(found("Diagnosis: E11.9 type 2 diabetes"), one("ICD10", "E11.9"));
  EXPECT_TRUE(found("the E11 bus").empty());
  EXPECT_EQ(found("Medicare member id 1EG4TE5MK73"), one("HEALTH_PLAN_ID", "1EG4TE5MK73"));
  EXPECT_EQ(found("insurance policy number XJH4820019"), one("HEALTH_PLAN_ID", "XJH4820019"));
}

TEST(UrlDetectionTest, FindsUrlsWithoutTrailingPunctuation) {
  EXPECT_EQ(found("see https://www.example.com.br/."), one("URL", "https://www.example.com.br/"));
}

}  // namespace
}  // namespace switchyard::privacy
