// The privacy policy's decision: the strictest action over the classes present, fail-closed on
// an incomplete scan, and what the header and the log say (types and counts, never values).
#include <gtest/gtest.h>

#include "privacy/policy.h"

namespace switchyard::privacy {
namespace {

Finding finding(EntityType type, DataClass data_class) {
  Finding out;
  out.entity.type = type;
  out.entity.data_class = data_class;
  return out;
}

Findings with(std::initializer_list<Finding> list) {
  Findings findings;
  for (const Finding& item : list) {
    findings.findings.push_back(item);
    ++findings.class_counts[static_cast<std::size_t>(item.entity.data_class)];
  }
  return findings;
}

TEST(PrivacyPolicyTest, NothingFoundIsAllowed) {
  const Decision decision = decide(Findings{}, ClassActions{});
  EXPECT_EQ(decision.action, Action::kAllow);
  EXPECT_FALSE(decision.deciding_class);
  EXPECT_EQ(describe(decision), "allow");
}

TEST(PrivacyPolicyTest, DefaultsPseudonymizePiiAndKeepPciLocal) {
  const Findings pii = with({finding(EntityType::kPerson, DataClass::kPii),
                             finding(EntityType::kEmail, DataClass::kPii),
                             finding(EntityType::kPerson, DataClass::kPii)});
  const Decision decision = decide(pii, ClassActions{});
  EXPECT_EQ(decision.action, Action::kPseudonymize);
  EXPECT_EQ(describe(decision), "pseudonymize; PERSON=2, EMAIL=1");

  const Findings card = with({finding(EntityType::kPerson, DataClass::kPii),
                              finding(EntityType::kPaymentCard, DataClass::kPci)});
  const Decision local = decide(card, ClassActions{});
  EXPECT_EQ(local.action, Action::kLocalOnly);
  EXPECT_EQ(local.deciding_class, DataClass::kPci);
}

TEST(PrivacyPolicyTest, TheStrictestClassWins) {
  const Findings findings = with({finding(EntityType::kPaymentCard, DataClass::kPci),
                                  finding(EntityType::kAccessToken, DataClass::kSecret)});
  const Decision decision = decide(findings, ClassActions{});
  EXPECT_EQ(decision.action, Action::kBlock);
  EXPECT_EQ(decision.deciding_class, DataClass::kSecret);
}

TEST(PrivacyPolicyTest, AllowedClassesPassThrough) {
  ClassActions actions;
  actions[DataClass::kPii] = Action::kAllow;
  const Decision decision = decide(with({finding(EntityType::kEmail, DataClass::kPii)}), actions);
  EXPECT_EQ(decision.action, Action::kAllow);
  EXPECT_EQ(describe(decision), "allow; EMAIL=1");
}

TEST(PrivacyPolicyTest, AnIncompleteScanStaysLocal) {
  Findings findings = with({finding(EntityType::kEmail, DataClass::kPii)});
  findings.complete = false;
  const Decision decision = decide(findings, ClassActions{});
  EXPECT_EQ(decision.action, Action::kLocalOnly);
  EXPECT_FALSE(decision.complete);
  EXPECT_EQ(describe(decision), "local_only; incomplete; EMAIL=1");

  findings.findings.push_back(finding(EntityType::kPassword, DataClass::kSecret));
  ++findings.class_counts[static_cast<std::size_t>(DataClass::kSecret)];
  EXPECT_EQ(decide(findings, ClassActions{}).action, Action::kBlock);
  EXPECT_EQ(undecided().action, Action::kLocalOnly);
}

TEST(PrivacyPolicyTest, ClinicalTextCountsAsPhiWithoutAnEntity) {
  Findings findings;
  findings.phi_score = 1.0F;
  ASSERT_TRUE(findings.phi());
  const Decision decision = decide(findings, ClassActions{});
  EXPECT_EQ(decision.action, Action::kLocalOnly);
  EXPECT_EQ(decision.deciding_class, DataClass::kPhi);
}

TEST(PrivacyPolicyTest, ActionNamesRoundTrip) {
  for (const Action action :
       {Action::kAllow, Action::kPseudonymize, Action::kLocalOnly, Action::kBlock}) {
    EXPECT_EQ(action_from_name(name_of(action)), action);
  }
  EXPECT_FALSE(action_from_name("Block"));
}

}  // namespace
}  // namespace switchyard::privacy
