// fake-upstream: the fake OpenAI upstream as a standalone server, for benchmarks and manual
// testing. See fake_upstream.h for the routes and the fault-injecting model names.

#include <charconv>
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <pthread.h>
#include <string>
#include <string_view>

#include "support/fake_upstream.h"

namespace {

using switchyard::testing::FakeUpstream;
using switchyard::testing::FakeUpstreamOptions;

constexpr std::string_view kUsage =
    "usage: fake-upstream [--listen HOST:PORT] [--threads N] [--api-key KEY] [--reply TEXT]\n"
    "                     [--tls-cert FILE --tls-key FILE] [--port-file FILE]\n"
    "Serves a fake OpenAI API until SIGTERM or SIGINT. Port 0 picks a free port.\n";

struct Flags {
  FakeUpstreamOptions options;
  std::string port_file;
};

template <class Int>
std::optional<Int> parse_int(std::string_view text) {
  Int value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// HOST:PORT, where an IPv6 host may be bracketed: [::1]:8080.
bool parse_listen(std::string_view listen, FakeUpstreamOptions& options) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  std::string_view host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::optional<uint16_t> port = parse_int<uint16_t>(listen.substr(colon + 1));
  if (host.empty() || !port) {
    return false;
  }
  options.host = host;
  options.port = *port;
  return true;
}

// Applies one flag and its value; false if the flag is unknown or the value is bad.
bool apply_flag(std::string_view flag, std::string_view value, Flags& flags) {
  FakeUpstreamOptions& options = flags.options;
  if (flag == "--listen") {
    return parse_listen(value, options);
  }
  if (flag == "--threads") {
    std::optional<int> threads = parse_int<int>(value);
    options.threads = threads.value_or(0);
    return options.threads > 0;
  }
  std::string* target = flag == "--api-key"     ? &options.api_key
                        : flag == "--reply"     ? &options.reply
                        : flag == "--tls-cert"  ? &options.tls_cert_file
                        : flag == "--tls-key"   ? &options.tls_key_file
                        : flag == "--port-file" ? &flags.port_file
                                                : nullptr;
  if (target == nullptr) {
    return false;
  }
  *target = value;
  return true;
}

std::optional<Flags> parse_flags(int argc, char** argv) {
  Flags flags;
  // Every request copied into memory would slow benchmarks down and grow without bound.
  flags.options.record = false;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc || !apply_flag(argv[i], argv[i + 1], flags)) {
      std::cerr << "fake-upstream: bad or incomplete flag: " << argv[i] << "\n" << kUsage;
      return std::nullopt;
    }
  }
  return flags;
}

// Written to a temporary name first so that a script polling for the file never reads half.
bool write_port_file(const std::string& path, uint16_t port) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) {
      return false;
    }
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

std::string listen_address(const FakeUpstreamOptions& options, uint16_t port) {
  const bool ipv6 = options.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + options.host + "]" : options.host;
  return host + ":" + std::to_string(port);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  std::optional<Flags> flags = parse_flags(argc, argv);
  if (!flags) {
    return 2;
  }

  // Blocked before any I/O thread exists, so the threads inherit the mask and only sigwait()
  // below ever sees these signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  FakeUpstream upstream(flags->options);
  try {
    upstream.start();
  } catch (const std::exception& e) {
    std::cerr << "fake-upstream: " << e.what() << "\n";
    return 1;
  }
  std::cout << "listening on " << listen_address(flags->options, upstream.port()) << std::endl;
  if (!flags->port_file.empty() && !write_port_file(flags->port_file, upstream.port())) {
    std::cerr << "fake-upstream: cannot write " << flags->port_file << "\n";
    return 1;
  }

  int received = 0;
  sigwait(&signals, &received);
  upstream.stop();
  return 0;
}
