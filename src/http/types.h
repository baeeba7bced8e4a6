// Short names for the Asio and Beast types used across the HTTP layer.
#pragma once

#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>

namespace switchyard::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

template <class T = void>
using Awaitable = net::awaitable<T>;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Sent on every response and forwarded upstream, so one id follows a request everywhere.
inline constexpr std::string_view kRequestIdHeader = "x-request-id";

}  // namespace switchyard::http
