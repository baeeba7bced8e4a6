#include "api/errors.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "providers/openai_compatible.h"

namespace switchyard::api {
namespace {

namespace json = boost::json;
using providers::ProviderError;
using Status = boost::beast::http::status;

ProviderError status_error(unsigned status, std::string message = "why") {
  ProviderError error;
  error.kind = ProviderError::Kind::kStatus;
  error.status = status;
  error.message = std::move(message);
  return error;
}

TEST(ErrorsTest, BodyHasOpenAisFourFields) {
  const auto body = json::parse(http::error_body(invalid_field("messages", "is required")));
  const auto& error = body.at("error").as_object();
  EXPECT_EQ(error.size(), 4U);
  EXPECT_EQ(error.at("message"), "'messages' is required");
  EXPECT_EQ(error.at("type"), "invalid_request_error");
  EXPECT_EQ(error.at("param"), "messages");
  EXPECT_EQ(error.at("code"), "invalid_value");
  const auto unparam = json::parse(http::error_body(invalid_json("x")));
  EXPECT_TRUE(unparam.at("error").at("param").is_null());
}

TEST(ErrorsTest, UpstreamClientErrorsPassThrough) {
  auto error = status_error(400, "bad temperature");
  error.param = "temperature";
  const auto mapped = from_provider_error(error, "p");
  EXPECT_EQ(mapped.status, Status::bad_request);
  EXPECT_EQ(mapped.message, "bad temperature");
  EXPECT_EQ(mapped.param, "temperature");
}

TEST(ErrorsTest, UpstreamAuthFailureIsTheGatewaysProblem) {
  const auto mapped = from_provider_error(status_error(401), "openai");
  EXPECT_EQ(mapped.status, Status::bad_gateway);
  EXPECT_EQ(mapped.code, "upstream_auth_failed");
  EXPECT_NE(mapped.message.find("openai"), std::string::npos);
}

TEST(ErrorsTest, RateLimitKeepsRetryAfter) {
  auto error = status_error(429);
  error.retry_after = std::chrono::milliseconds(6'200);  // rounded up to whole seconds
  const auto mapped = from_provider_error(error, "p");
  EXPECT_EQ(mapped.status, Status::too_many_requests);
  EXPECT_EQ(mapped.retry_after, "7");
  EXPECT_EQ(http::make_error_response(mapped)[boost::beast::http::field::retry_after], "7");
}

TEST(ErrorsTest, ServerErrorsTimeoutsAndBrokenConnections) {
  EXPECT_EQ(from_provider_error(status_error(503), "p").status, Status::bad_gateway);
  ProviderError timeout;
  timeout.kind = ProviderError::Kind::kTimeout;
  EXPECT_EQ(from_provider_error(timeout, "p").status, Status::gateway_timeout);
  ProviderError broken;
  broken.kind = ProviderError::Kind::kUnavailable;
  EXPECT_EQ(from_provider_error(broken, "p").code, "upstream_unavailable");
  ProviderError garbled;
  garbled.kind = ProviderError::Kind::kProtocol;
  EXPECT_EQ(from_provider_error(garbled, "p").code, "upstream_protocol_error");
}

TEST(ErrorsTest, ParsesTheErrorShapesServersSend) {
  const auto openai = providers::parse_upstream_error(
      400, R"({"error":{"message":"m1","type":"t","param":"p1","code":"c1"}})");
  EXPECT_EQ(openai.message, "m1");
  EXPECT_EQ(openai.param, "p1");
  EXPECT_EQ(openai.code, "c1");
  EXPECT_EQ(providers::parse_upstream_error(500, R"({"error":"plain text"})").message,
            "plain text");
  EXPECT_EQ(providers::parse_upstream_error(422, R"({"detail":"nope"})").message, "nope");
  EXPECT_EQ(providers::parse_upstream_error(502, "<html>bad gateway</html>").message,
            "<html>bad gateway</html>");
  EXPECT_EQ(providers::parse_upstream_error(500, "").message, "no reason given");
  EXPECT_EQ(providers::parse_upstream_error(500, std::string(5000, 'x')).message.size(), 512U);
}

}  // namespace
}  // namespace switchyard::api
