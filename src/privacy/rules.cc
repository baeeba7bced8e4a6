#include "privacy/rules.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace switchyard::privacy {
namespace {

using Cues = std::string_view[];

constexpr Cues kCardCues = {"card", "visa", "mastercard", "amex", "credit", "debit", "cc"};
constexpr Cues kRoutingCues = {"routing", "aba", "rtn", "transit", "bank"};
constexpr Cues kSwiftCues = {"swift", "bic", "bank", "wire", "transfer", "iban"};
constexpr Cues kSsnCues = {"ssn", "social", "security"};
constexpr Cues kPassportCues = {"passport"};
constexpr Cues kLicenceCues = {"driver", "drivers", "driving", "licence", "license", "dl"};
constexpr Cues kPhoneCues = {"phone",    "mobile", "cell",   "tel",       "telephone",  "fax",
                             "call",     "desk",   "office", "whatsapp",  "sms",        "text",
                             "messages", "dial",   "reach",  "answering", "registered", "home",
                             "contact",  "ph",     "mob"};
constexpr Cues kVersionCues = {"version", "v", "ver", "release", "build", "firmware", "oid"};
constexpr Cues kBirthCues = {"born", "birth", "dob", "birthday", "birthdate"};
constexpr Cues kRecordCues = {"mrn", "medical", "chart", "emr", "ehr"};
constexpr Cues kNpiCues = {"npi", "provider", "prescriber", "physician"};
constexpr Cues kDeaCues = {"dea", "registration", "prescriber"};
constexpr Cues kIcdCues = {"icd",  "icd10", "diagnosis",  "diagnoses",  "dx",        "diagnosed",
                           "code", "codes", "assessment", "impression", "condition", "history"};
constexpr Cues kPlanCues = {"member",  "subscriber", "policy",   "insurance",
                            "plan",    "medicare",   "medicaid", "beneficiary",
                            "insured", "mbi",        "insurer",  "coverage"};
constexpr Cues kAwsCues = {"aws", "secret", "amazon", "aws_secret_access_key", "secret_access_key"};
constexpr Cues kTwilioCues = {"twilio"};

// A rule whose start is found by walking back over its alphabet instead of by Vectorscan.
constexpr Rule run(Rule rule, std::string_view run_chars, std::uint16_t max_length) {
  rule.anchor = Anchor::kRun;
  rule.run_chars = run_chars;
  rule.max_length = max_length;
  return rule;
}

// A run rule whose pattern reads on past the value to the first character that cannot continue
// it, so that Vectorscan reports a digit run once, at its end, instead of at every digit; the
// value ends after the last of `end_chars` before that.
constexpr Rule run_past(Rule rule, std::string_view run_chars, std::uint16_t max_length,
                        std::string_view end_chars) {
  rule = run(rule, run_chars, max_length);
  rule.end_chars = end_chars;
  return rule;
}

// A rule whose match ends where the value begins.
constexpr Rule ending(Rule rule) {
  rule.anchor = Anchor::kEnd;
  return rule;
}

constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kCardChars = "0123456789 -";
constexpr std::string_view kPhoneChars = "0123456789 ().+-";
constexpr std::string_view kEmailChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-@";
constexpr std::string_view kIpv6Chars = "0123456789ABCDEFabcdef:.";
constexpr std::uint16_t kMaxCard = 40;
constexpr std::uint16_t kMaxPhone = 32;
constexpr std::uint16_t kMaxEmail = 254;
constexpr std::uint16_t kMaxIpv6 = 45;

// Ordered by family; the order is the rule id the findings carry.
constexpr std::array kRules = std::to_array<Rule>({
    // Financial
    // The number, then what follows up to the first character that cannot continue it.
    run_past({"payment_card", R"(\d[\d -]{10,}\d[ -]*(?:[^\d -]|$))", EntityType::kPaymentCard,
              Check::kPaymentCard, 0.9F, CueNeed::kBoost, kCardCues, 0.98F},
             kCardChars, kMaxCard, kDigits),
    // The country, check digits and first group; the check reads on to the country's length.
    {"iban", R"([A-Za-z]{2}\d{2} ?[A-Za-z0-9]{4})", EntityType::kIban, Check::kIban, 0.95F},
    {"aba_routing", R"(\d{9})", EntityType::kBankRouting, Check::kAbaRouting, 0.9F,
     CueNeed::kRequired, kRoutingCues, 0.9F},
    {"swift_bic", R"([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)", EntityType::kSwiftBic, Check::kSwiftBic,
     0.85F, CueNeed::kRequired, kSwiftCues, 0.85F},
    // Identity
    {"us_ssn", R"(\d{3}-\d{2}-\d{4})", EntityType::kUsSsn, Check::kSsn, 0.85F, CueNeed::kBoost,
     kSsnCues, 0.97F},
    {"us_ssn_plain", R"(\d{3} \d{2} \d{4}|\d{9})", EntityType::kUsSsn, Check::kSsn, 0.85F,
     CueNeed::kRequired, kSsnCues, 0.9F},
    {"passport", R"([A-Za-z]{0,2}\d{6,9})", EntityType::kPassport, Check::kDigitsId, 0.85F,
     CueNeed::kRequired, kPassportCues, 0.85F},
    {"driver_license", R"([A-Za-z]{0,2}\d{5,15}|\d{3,4}-\d{2,3}-\d{3,4})",
     EntityType::kDriverLicense, Check::kDigitsId, 0.85F, CueNeed::kRequired, kLicenceCues, 0.85F},
    run({"email", R"([A-Za-z0-9._%+-]@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})",
         EntityType::kEmail, Check::kEmail, 0.97F},
        kEmailChars, kMaxEmail),
    run_past({"phone", R"(\d[\d ().-]{5,}\d[ ().-]*(?:[^\d ().-]|$))", EntityType::kPhone,
              Check::kPhone, 0.9F, CueNeed::kBoost, kPhoneCues, 0.95F},
             kPhoneChars, kMaxPhone, kDigits),
    {"ipv4",
     R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:/\d{1,2})?)",
     EntityType::kIpAddress,
     Check::kIpv4,
     0.9F,
     CueNeed::kNone,
     {},
     0,
     false,
     kVersionCues},
    // Two colons around at most one group; the check reads on to the end of the address.
    run({"ipv6", R"(:[0-9A-Fa-f]{0,4}:)", EntityType::kIpAddress, Check::kIpv6, 0.9F}, kIpv6Chars,
        kMaxIpv6),
    {"mac_address",
     R"([0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})",
     EntityType::kMacAddress, Check::kMac, 0.85F},
    {"date_of_birth",
     R"(\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|)"
     R"((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? )"
     R"(\d{1,2}(?:st|nd|rd|th)?,? \d{4}|)"
     R"(\d{1,2}(?:st|nd|rd|th)? )"
     R"((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? \d{4})",
     EntityType::kDateOfBirth, Check::kDate, 0.9F, CueNeed::kRequired, kBirthCues, 0.9F, true},
    {"url",
     R"((?:https?|ftp)://(?:[^\s/@:]+(?::[^\s/@]*)?@)?[A-Za-z0-9.-]+(?::\d{1,5})?)"
     R"((?:/[^\s"'<>()\[\]]*)?)",
     EntityType::kUrl,
     Check::kUrl,
     0.8F,
     CueNeed::kNone,
     {},
     0,
     true},
    // Health
    {"medical_record", R"([A-Za-z]{0,3}[-#]?\d{5,12})", EntityType::kMedicalRecord,
     Check::kDigitsId, 0.85F, CueNeed::kRequired, kRecordCues, 0.85F},
    {"npi", R"(\d{10})", EntityType::kNpi, Check::kNpi, 0.9F, CueNeed::kRequired, kNpiCues, 0.9F},
    // Product codes share this shape often enough that the checksum alone is not enough.
    {"dea", R"([A-Z][A-Z9]\d{7})", EntityType::kDea, Check::kDea, 0.95F, CueNeed::kRequired,
     kDeaCues, 0.95F},
    {"icd10", R"([A-TV-Z]\d[0-9AB](?:\.[0-9A-Z]{1,4})?)", EntityType::kIcd10, Check::kIcd10, 0.85F,
     CueNeed::kRequired, kIcdCues, 0.85F},
    {"health_plan_id",
     R"([A-Za-z]{0,4}-?\d{6,12}|[1-9][A-Z][A-Z0-9]\d[A-Z][A-Z0-9]\d[A-Z]{2}\d{2})",
     EntityType::kHealthPlanId, Check::kDigitsId, 0.8F, CueNeed::kRequired, kPlanCues, 0.8F},
    // Secrets in published formats
    {"aws_access_key_id",
     R"((?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16})",
     EntityType::kAccessToken, Check::kBounded, 0.95F},
    {"aws_secret_access_key", R"([A-Za-z0-9/+]{40})", EntityType::kAccessToken, Check::kHighEntropy,
     0.9F, CueNeed::kRequired, kAwsCues, 0.9F},
    {"gcp_api_key", R"(AIza[0-9A-Za-z_-]{35})", EntityType::kAccessToken, Check::kBounded, 0.95F},
    {"gcp_oauth_secret", R"(GOCSPX-[0-9A-Za-z_-]{28})", EntityType::kAccessToken, Check::kBounded,
     0.95F},
    {"gcp_access_token", R"(ya29\.[0-9A-Za-z_-]{30,})", EntityType::kAccessToken, Check::kBounded,
     0.9F},
    {"azure_storage_key", R"(AccountKey=[A-Za-z0-9+/]{86}==)", EntityType::kAccessToken,
     Check::kAfterEquals, 0.97F},
    {"azure_shared_access_key", R"(SharedAccessKey=[A-Za-z0-9+/]{43}=)", EntityType::kAccessToken,
     Check::kAfterEquals, 0.95F},
    {"azure_sas_signature", R"([?&]sig=[A-Za-z0-9%+/]{40,}={0,2})", EntityType::kAccessToken,
     Check::kAfterEquals, 0.9F},
    {"github_token", R"(gh[pousr]_[A-Za-z0-9]{36})", EntityType::kAccessToken, Check::kBounded,
     0.99F},
    {"github_fine_grained_token", R"(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})",
     EntityType::kAccessToken, Check::kBounded, 0.99F},
    {"gitlab_token", R"(gl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{20})", EntityType::kAccessToken,
     Check::kBounded, 0.99F},
    {"slack_token", R"(xox[abposr]-[A-Za-z0-9-]{10,})", EntityType::kAccessToken, Check::kBounded,
     0.97F},
    {"slack_webhook",
     R"(https://hooks\.slack\.com/services/T[A-Z0-9]{8,}/B[A-Z0-9]{8,}/[A-Za-z0-9]{24})",
     EntityType::kAccessToken, Check::kBounded, 0.97F},
    {"stripe_live_key", R"((?:sk|rk)_live_[A-Za-z0-9]{24,})", EntityType::kAccessToken,
     Check::kBounded, 0.99F},
    {"stripe_test_key", R"((?:sk|rk)_test_[A-Za-z0-9]{24,})", EntityType::kAccessToken,
     Check::kBounded, 0.8F},
    {"stripe_webhook_secret", R"(whsec_[A-Za-z0-9]{32,})", EntityType::kAccessToken,
     Check::kBounded, 0.95F},
    {"openai_key", R"(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})", EntityType::kAccessToken,
     Check::kHighEntropy, 0.9F},
    {"anthropic_key", R"(sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{20,})",
     EntityType::kAccessToken, Check::kBounded, 0.99F},
    {"huggingface_token", R"(hf_[A-Za-z0-9]{34})", EntityType::kAccessToken, Check::kBounded,
     0.95F},
    {"npm_token", R"(npm_[A-Za-z0-9]{36})", EntityType::kAccessToken, Check::kBounded, 0.95F},
    {"pypi_token", R"(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})", EntityType::kAccessToken,
     Check::kBounded, 0.99F},
    {"sendgrid_key", R"(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})", EntityType::kAccessToken,
     Check::kBounded, 0.99F},
    {"twilio_key", R"(SK[0-9a-fA-F]{32})", EntityType::kAccessToken, Check::kBounded, 0.9F,
     CueNeed::kRequired, kTwilioCues, 0.9F},
    {"mailgun_key", R"(key-[0-9a-zA-Z]{32})", EntityType::kAccessToken, Check::kBounded, 0.8F},
    {"shopify_token", R"(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})", EntityType::kAccessToken,
     Check::kBounded, 0.97F},
    {"digitalocean_token", R"(do[por]_v1_[a-f0-9]{64})", EntityType::kAccessToken, Check::kBounded,
     0.97F},
    {"square_token", R"(sq0(?:atp|csp)-[0-9A-Za-z_-]{22,43})", EntityType::kAccessToken,
     Check::kBounded, 0.95F},
    {"telegram_bot_token", R"(\d{8,10}:AA[0-9A-Za-z_-]{33})", EntityType::kAccessToken,
     Check::kBounded, 0.9F},
    {"databricks_token", R"(dapi[a-f0-9]{32})", EntityType::kAccessToken, Check::kBounded, 0.9F},
    {"groq_key", R"(gsk_[A-Za-z0-9]{52})", EntityType::kAccessToken, Check::kBounded, 0.95F},
    {"xai_key", R"(xai-[A-Za-z0-9]{80})", EntityType::kAccessToken, Check::kBounded, 0.95F},
    {"newrelic_key", R"(NRAK-[A-Z0-9]{27})", EntityType::kAccessToken, Check::kBounded, 0.95F},
    // Structured secrets
    {"private_key_block", R"(-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----)",
     EntityType::kPrivateKey, Check::kPemBlock, 0.99F},
    {"jwt", R"(eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)", EntityType::kJwt,
     Check::kJwt, 0.95F},
    {"url_password", R"([A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s:/@"']+:[^\s@/"']+@[A-Za-z0-9.-]+)",
     EntityType::kPassword, Check::kUrlPassword, 0.95F},
    ending({"assigned_secret",
            R"((?:api[_-]?key|apikey|secret|client[_-]?secret|access[_-]?token|auth[_-]?token|)"
            R"(token|passwd|password|pwd|private[_-]?key|access[_-]?key)["']?\s{0,3}[:=])",
            EntityType::kGenericSecret,
            Check::kAssignedValue,
            0.8F,
            CueNeed::kNone,
            {},
            0,
            true}),
});

}  // namespace

std::span<const Rule> builtin_rules() {
  return kRules;
}

std::string cue_pattern() {
  std::vector<std::string_view> cues;
  for (const Rule& rule : kRules) {
    if (rule.cue_need == CueNeed::kRequired) {
      cues.insert(cues.end(), rule.cues.begin(), rule.cues.end());
    }
  }
  std::sort(cues.begin(), cues.end());
  cues.erase(std::unique(cues.begin(), cues.end()), cues.end());
  std::string pattern = "\\b(?:";
  for (std::size_t i = 0; i < cues.size(); ++i) {
    pattern += i == 0 ? "" : "|";
    pattern += cues[i];
  }
  return pattern + ")\\b";
}

}  // namespace switchyard::privacy
