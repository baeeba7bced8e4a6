// TLS to upstreams: the certificate chain and the host name are verified, and a provider can
// trust an extra CA through ca_file. Certificates are made for each run with the openssl CLI.
#include <cstdlib>
#include <filesystem>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "integration/gateway_fixture.h"
#include "support/test_client.h"

namespace switchyard::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kChat[] = R"({"model":"chat","messages":[{"role":"user","content":"hi"}]})";

void run(const std::string& command) {
  ASSERT_EQ(std::system((command + " >/dev/null 2>&1").c_str()), 0) << command;
}

// A CA and a server certificate for `name`, signed by it.
struct Certificates {
  explicit Certificates(const std::string& name) {
    dir = fs::temp_directory_path() / ("switchyard-tls-" + std::to_string(::getpid()) + "-" + name);
    fs::create_directories(dir);
    const std::string d = dir.string();
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout " + d +
        "/ca.key -out " + d + "/ca.pem");
    run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + name + " -keyout " + d +
        "/server.key -out " + d + "/server.csr");
    run("printf 'subjectAltName=DNS:" + name + "' > " + d + "/ext.cnf");
    run("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
        "/ca.key -CAcreateserial -days 2 -extfile " + d + "/ext.cnf -out " + d + "/server.pem");
  }
  ~Certificates() { fs::remove_all(dir); }

  std::string file(const char* name) const { return (dir / name).string(); }
  fs::path dir;
};

class TlsTest : public ::testing::Test {
 protected:
  void start_upstream(const Certificates& certs) {
    FakeUpstreamOptions options;
    options.tls_cert_file = certs.file("server.pem");
    options.tls_key_file = certs.file("server.key");
    upstream_ = std::make_unique<FakeUpstream>(options);
    upstream_->start();
  }
  std::string url() const {
    return "https://localhost:" + std::to_string(upstream_->port()) + "/v1";
  }
  std::string with_ca(const std::string& ca) const {
    std::string text = standard_config(url());
    const std::string anchor = "api_key_env = \"UPSTREAM_KEY\"\n";
    text.insert(text.find(anchor) + anchor.size(), "ca_file = \"" + ca + "\"\n");
    return text;
  }

  std::unique_ptr<FakeUpstream> upstream_;
};

TEST_F(TlsTest, TrustedCertificateWorks) {
  const Certificates certs("localhost");
  start_upstream(certs);
  GatewayUnderTest gateway(with_ca(certs.file("ca.pem")));
  const auto response = post_json(gateway.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(response.status, 200) << response.body;
}

TEST_F(TlsTest, UnknownCaIsRefused) {
  const Certificates certs("localhost");
  start_upstream(certs);
  GatewayUnderTest gateway(standard_config(url()));
  const auto response = post_json(gateway.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(response.status, 502);
  const auto error = json::parse(response.body).at("error").as_object();
  EXPECT_EQ(error.at("code"), "upstream_unavailable");
  EXPECT_NE(std::string(error.at("message").as_string()).find("certificate verify failed"),
            std::string::npos)
      << error;
  EXPECT_TRUE(upstream_->requests().empty());
}

TEST_F(TlsTest, CertificateForAnotherHostIsRefused) {
  const Certificates certs("other.example");
  start_upstream(certs);
  GatewayUnderTest gateway(with_ca(certs.file("ca.pem")));
  const auto response = post_json(gateway.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(response.status, 502) << response.body;
  EXPECT_TRUE(upstream_->requests().empty());
}

}  // namespace
}  // namespace switchyard::testing
