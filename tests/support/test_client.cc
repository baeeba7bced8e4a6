#include "support/test_client.h"

#include <array>
#include <cctype>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace switchyard::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

}  // namespace

TestResponse send_request(std::uint16_t port, const TestRequest& request) {
  net::io_context io_context;
  tcp::socket socket(io_context);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));

  bhttp::request<bhttp::string_body> message{bhttp::string_to_verb(request.method), request.target,
                                             11};
  message.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : request.headers) {
    message.set(name, value);
  }
  message.body() = request.body;
  message.prepare_payload();
  bhttp::write(socket, message);

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  bhttp::read_header(socket, buffer, parser);
  TestResponse response;
  response.status = parser.get().result_int();
  for (const auto& field : parser.get()) {
    response.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  }
  std::array<char, 16 * 1024> piece{};
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    beast::error_code ec;
    bhttp::read_some(socket, buffer, parser, ec);
    if (ec && ec != bhttp::error::need_buffer) {
      // A connection that breaks mid-body ends the response; the test sees what arrived.
      break;
    }
    const std::size_t got = piece.size() - parser.get().body().size;
    if (got > 0) {
      response.body.append(piece.data(), got);
      response.pieces.emplace_back(std::chrono::steady_clock::now(),
                                   std::string(piece.data(), got));
    }
  }
  return response;
}

TestResponse post_json(std::uint16_t port, const std::string& target, const std::string& body,
                       std::map<std::string, std::string> headers) {
  headers.emplace("content-type", "application/json");
  return send_request(
      port, {.method = "POST", .target = target, .body = body, .headers = std::move(headers)});
}

std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const std::size_t end = body.find('\n', pos);
    out.push_back(body.substr(pos + 6, end - pos - 6));
    pos = end;
  }
  return out;
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds wait) {
  net::io_context io_context;
  tcp::socket socket(io_context);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::write(socket, net::buffer(bytes));
  std::string received;
  std::array<char, 4096> chunk{};
  net::steady_timer timer(io_context, wait);
  timer.async_wait([&](beast::error_code ec) {
    if (!ec) {
      socket.close();
    }
  });
  std::function<void()> read_more = [&] {
    socket.async_read_some(net::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
      received.append(chunk.data(), n);
      if (ec) {
        timer.cancel();
        return;
      }
      read_more();
    });
  };
  read_more();
  io_context.run();
  return received;
}

}  // namespace switchyard::testing
