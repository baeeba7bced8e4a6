// Credentials in published formats and in assignments. Every token here is assembled from a
// seeded generator at run time: none is a real credential, and none sits in the source.
#include <gtest/gtest.h>

#include "scanner_fixture.h"
#include "test_values.h"

namespace switchyard::privacy {
namespace {

using testing::found;
using testing::one;
using testing::random_chars;

constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafe =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The single rule that found the only entity in `text`.
std::string rule_of(std::string_view text) {
  const auto entities = testing::patterns_only().scan(text);
  return entities.size() == 1 ? std::string(testing::patterns_only().rule_name(entities[0].rule))
                              : "found " + std::to_string(entities.size());
}

TEST(SecretDetectionTest, FindsPublishedTokenFormats) {
  struct Case {
    std::string token;
    std::string rule;
  };
  const Case cases[] = {
      {"AKIA" + random_chars(16, 1, kUpperDigits), "aws_access_key_id"},
      {"AIza" + random_chars(35, 2, kUrlSafe), "gcp_api_key"},
      {"ghp_" + random_chars(36, 3), "github_token"},
      {"gho_" + random_chars(36, 4), "github_token"},
      {"ghs_" + random_chars(36, 5), "github_token"},
      {"github_pat_" + random_chars(22, 6) + "_" + random_chars(59, 7),
       "github_fine_grained_token"},
      {"glpat-" + random_chars(20, 8), "gitlab_token"},
      {"xoxb-" + random_chars(11, 9, "0123456789") + "-" + random_chars(24, 10), "slack_token"},
      {"sk_live_" + random_chars(24, 11), "stripe_live_key"},
      {"rk_live_" + random_chars(24, 12), "stripe_live_key"},
      {"sk-proj-" + random_chars(48, 13), "openai_key"},
      {"sk-" + random_chars(48, 14), "openai_key"},
      {"sk-ant-api03-" + random_chars(93, 15, kUrlSafe), "anthropic_key"},
      {"hf_" + random_chars(34, 16), "huggingface_token"},
      {"npm_" + random_chars(36, 17), "npm_token"},
      {"glrt-" + random_chars(20, 18), "gitlab_token"},
  };
  for (const Case& c : cases) {
    const std::string text = "export TOKEN_VALUE " + c.token + " # rotate";
    EXPECT_EQ(found(text), one("ACCESS_TOKEN", c.token)) << c.token;
    EXPECT_EQ(rule_of(text), c.rule) << c.token;
  }
}

TEST(SecretDetectionTest, AwsSecretKeyNeedsItsContext) {
  const std::string secret = random_chars(40, 21, kBase64);
  EXPECT_EQ(found("aws_secret_access_key = " + secret), one("ACCESS_TOKEN", secret));
  EXPECT_TRUE(found("checksum " + random_chars(40, 22, "0123456789abcdef")).empty());
}

TEST(SecretDetectionTest, FindsPemPrivateKeyBlocksWholeAndInJson) {
  const std::string body = random_chars(64, 23, kBase64) + "\n" + random_chars(40, 24, kBase64);
  const std::string pem =
      "-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----";
  EXPECT_EQ(found("key:\n" + pem + "\nend"), one("PRIVATE_KEY", pem));

  const std::string escaped = "-----BEGIN PRIVATE KEY-----\\n" + random_chars(64, 25, kBase64) +
                              "\\n-----END PRIVATE KEY-----";
  const std::string service_account =
      R"({"type": "service_account", "private_key": ")" + escaped + R"(\n", "client_email": "x"})";
  const auto findings = found(service_account);
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings[0], one("PRIVATE_KEY", escaped)[0]);
}

TEST(SecretDetectionTest, FindsAzureStorageKeysInConnectionStrings) {
  const std::string key = random_chars(86, 26, kBase64) + "==";
  const std::string connection =
      "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + key +
      ";EndpointSuffix=core.windows.net";
  EXPECT_EQ(found(connection), one("ACCESS_TOKEN", key));
}

TEST(SecretDetectionTest, FindsJwtsWhoseHeaderNamesAnAlgorithm) {
  const std::string jwt = testing::base64url(R"({"alg":"RS256","typ":"JWT"})") + "." +
                          testing::base64url(R"({"sub":"1234567890","name":"x"})") + "." +
                          random_chars(86, 27, kUrlSafe);
  EXPECT_EQ(found("Authorization: Bearer " + jwt), one("JWT", jwt));
  const std::string not_jwt = "eyJ" + random_chars(20, 28) + "." + random_chars(20, 29) + ".x";
  EXPECT_TRUE(found(not_jwt).empty());
}

TEST(SecretDetectionTest, FindsThePasswordInsideAConnectionUrl) {
  EXPECT_EQ(found("DATABASE_URL=postgres://app:Tr0ub4dor3@db.internal:5432/prod"),
            one("PASSWORD", "Tr0ub4dor3"));
  EXPECT_EQ(found("amqp://guest:s3cret!x@rabbit/"), one("PASSWORD", "s3cret!x"));
  EXPECT_TRUE(found("postgres://app:${DB_PASSWORD}@db/prod").empty());
  EXPECT_TRUE(found("redis://user:****@cache:6379").empty());
}

TEST(SecretDetectionTest, FindsValuesAssignedToKeyLikeNames) {
  const std::string key = random_chars(32, 30);
  EXPECT_EQ(found("api_key = \"" + key + "\""), one("GENERIC_SECRET", key));
  EXPECT_EQ(found("{\"client_secret\": \"" + key + "\"}"), one("GENERIC_SECRET", key));
  EXPECT_EQ(found("password: hunter22"), one("PASSWORD", "hunter22"));
  EXPECT_EQ(found("DB_PASSWORD='correcthorse'"), one("PASSWORD", "correcthorse"));
}

TEST(SecretDetectionTest, IgnoresCodeAndLowEntropyAssignments) {
  for (const char* text :
       {"password = get_password()", "token: string", "api_key=None", "password=os.environ['PW']",
        "secret = config.secret", "token=aaaaaaaaaaaaaaaaaaaaaaaa",
        "api_key = \"YOUR_API_KEY_HERE\"", "password: ${DB_PASSWORD}", "token = <redacted>"}) {
    EXPECT_TRUE(found(text).empty()) << text;
  }
}

}  // namespace
}  // namespace switchyard::privacy
