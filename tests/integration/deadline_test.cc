// Deadlines on loopback sockets: an operation under a limit ends with timeout once the limit
// has passed and not before, a connection kept busy is never cut, and the sweep keeps track of
// deadlines as connections come and go.
#include "http/deadline.h"

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "http/client_connection.h"

namespace switchyard::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
// What a deadline may be late by (its slack and the gap between sweeps), plus room for a
// loaded test machine.
constexpr auto kLateness = DeadlineSweep::kMinSlack + DeadlineSweep::kMinSweepGap + 200ms;

// Two ends of a loopback TCP connection.
struct SocketPair {
  explicit SocketPair(net::io_context& io) : near(io), far(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    near.connect(acceptor.local_endpoint());
    far = acceptor.accept();
  }
  tcp::socket near;
  tcp::socket far;
};

struct Outcome {
  beast::error_code error;
  Clock::duration took{};
};

// One read of `near` under a deadline of `limit`.
Awaitable<Outcome> read_under(Deadline& deadline, tcp::socket& near, Millis limit) {
  std::array<char, 64> buffer{};
  const auto started = Clock::now();
  deadline.arm(limit);
  auto [ec, bytes] = co_await near.async_read_some(net::buffer(buffer), kUseTuple);
  const Outcome outcome{.error = deadline.settle(ec), .took = Clock::now() - started};
  co_return outcome;
}

template <class T>
T run(net::io_context& io, Awaitable<T> task) {
  auto future = net::co_spawn(io, std::move(task), net::use_future);
  io.run();
  io.restart();
  return future.get();
}

TEST(DeadlineTest, ReadEndsWithTimeoutOnceItsLimitHasPassed) {
  net::io_context io;
  SocketPair pair(io);
  Deadline deadline(io, pair.near, Deadline::OnExpiry::kCancel);

  const Outcome outcome = run(io, read_under(deadline, pair.near, 100ms));

  EXPECT_EQ(outcome.error, beast::error::timeout);
  EXPECT_TRUE(deadline.expired());
  EXPECT_GE(outcome.took, 100ms);
  EXPECT_LT(outcome.took, 100ms + kLateness);
}

TEST(DeadlineTest, CancelLeavesTheSocketOpenAndCloseDoesNot) {
  net::io_context io;
  SocketPair cancelled(io);
  SocketPair closed(io);
  Deadline cancelling(io, cancelled.near, Deadline::OnExpiry::kCancel);
  Deadline closing(io, closed.near, Deadline::OnExpiry::kClose);

  EXPECT_EQ(run(io, read_under(cancelling, cancelled.near, 30ms)).error, beast::error::timeout);
  EXPECT_EQ(run(io, read_under(closing, closed.near, 30ms)).error, beast::error::timeout);

  EXPECT_TRUE(cancelled.near.is_open());
  EXPECT_FALSE(closed.near.is_open());
  // The cancelled socket still works: it can tell the peer which limit it hit.
  net::write(cancelled.near, net::buffer(std::string_view("408")));
  std::array<char, 3> reply{};
  net::read(cancelled.far, net::buffer(reply));
  EXPECT_EQ(std::string_view(reply.data(), reply.size()), "408");
}

// The peer sends a byte every 40 ms for a second; each read has 150 ms. A limit counts from
// its own arm(), so the connection is never cut, though it lasts far longer than one limit.
TEST(DeadlineTest, ReArmingForEachReadKeepsABusyConnectionAlive) {
  net::io_context io;
  SocketPair pair(io);
  Deadline deadline(io, pair.near, Deadline::OnExpiry::kCancel);
  constexpr int kBytes = 25;

  auto reader = [&]() -> Awaitable<int> {
    int received = 0;
    while (received < kBytes) {
      const Outcome outcome = co_await read_under(deadline, pair.near, 150ms);
      if (outcome.error) {
        break;
      }
      ++received;
    }
    co_return received;
  };
  auto writer = [&]() -> Awaitable<void> {
    net::steady_timer pause(io);
    for (int i = 0; i < kBytes; ++i) {
      pause.expires_after(40ms);
      co_await pause.async_wait(net::use_awaitable);
      co_await net::async_write(pair.far, net::buffer(std::string_view("x")), net::use_awaitable);
    }
  };
  net::co_spawn(io, writer(), net::detached);

  EXPECT_EQ(run(io, reader()), kBytes);
  EXPECT_FALSE(deadline.expired());
}

TEST(DeadlineTest, DisarmedDeadlineNeverRunsOut) {
  net::io_context io;
  SocketPair pair(io);
  Deadline deadline(io, pair.near, Deadline::OnExpiry::kClose);
  deadline.arm(30ms);
  deadline.disarm();

  // A read with no limit, answered after several times the disarmed limit.
  net::steady_timer later(io, 200ms);
  later.async_wait(
      [&](beast::error_code) { net::write(pair.far, net::buffer(std::string_view("x"))); });
  auto read = [&]() -> Awaitable<beast::error_code> {
    std::array<char, 8> buffer{};
    auto [ec, bytes] = co_await pair.near.async_read_some(net::buffer(buffer), kUseTuple);
    co_return ec;
  };

  EXPECT_FALSE(run(io, read()));
  EXPECT_FALSE(deadline.expired());
  EXPECT_TRUE(pair.near.is_open());
}

// Deadlines removed from the middle of the sweep's list leave the others in force: each of
// the survivors still runs out, at its own limit.
TEST(DeadlineTest, SurvivorsOfRemovedDeadlinesStillRunOut) {
  net::io_context io;
  std::vector<std::unique_ptr<SocketPair>> pairs;
  std::vector<std::unique_ptr<Deadline>> deadlines;
  for (int i = 0; i < 6; ++i) {
    pairs.push_back(std::make_unique<SocketPair>(io));
    deadlines.push_back(
        std::make_unique<Deadline>(io, pairs.back()->near, Deadline::OnExpiry::kCancel));
  }
  deadlines[1].reset();
  deadlines[3].reset();
  deadlines[0].reset();

  static constexpr std::array kSurvivors{2, 4, 5};
  auto read_all = [&]() -> Awaitable<std::vector<Outcome>> {
    std::vector<Outcome> outcomes;
    for (const int i : kSurvivors) {
      const Millis limit(20 * i);
      outcomes.push_back(co_await read_under(*deadlines[i], pairs[i]->near, limit));
    }
    co_return outcomes;
  };
  const std::vector<Outcome> outcomes = run(io, read_all());

  ASSERT_EQ(outcomes.size(), kSurvivors.size());
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    const Millis limit(20 * kSurvivors[k]);
    EXPECT_EQ(outcomes[k].error, beast::error::timeout) << k;
    EXPECT_GE(outcomes[k].took, limit) << k;
    EXPECT_LT(outcomes[k].took, limit + kLateness) << k;
  }
}

// A listener that never accepts and whose queue is full drops new connection attempts, so a
// connect to it waits until its deadline closes the socket; the closed socket also keeps the
// connect from trying the second endpoint with no time left.
TEST(DeadlineTest, ConnectGivesUpAtItsTimeout) {
  net::io_context io;
  tcp::acceptor full(io);
  full.open(tcp::v4());
  full.bind(tcp::endpoint(net::ip::address_v4::loopback(), 0));
  full.listen(0);
  // With a backlog of 0 the queue holds one connection; this one fills it.
  tcp::socket queued(io);
  queued.connect(full.local_endpoint());

  auto connect = [&]() -> Awaitable<Outcome> {
    ClientConnection connection(io, nullptr, "127.0.0.1");
    const Endpoints endpoints{full.local_endpoint(), full.local_endpoint()};
    const auto started = Clock::now();
    const beast::error_code ec = co_await connection.connect(endpoints, 200ms);
    const Outcome outcome{.error = ec, .took = Clock::now() - started};
    co_return outcome;
  };
  const Outcome outcome = run(io, connect());

  EXPECT_EQ(outcome.error, beast::error::timeout);
  EXPECT_GE(outcome.took, 200ms);
  EXPECT_LT(outcome.took, 200ms + DeadlineSweep::kMinSlack + kLateness);
}

}  // namespace
}  // namespace switchyard::http
