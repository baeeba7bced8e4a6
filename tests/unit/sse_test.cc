#include "http/sse.h"

#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

std::vector<SseEvent> decode_in_pieces(const std::string& text, std::size_t piece) {
  SseDecoder decoder;
  std::vector<SseEvent> events;
  for (std::size_t i = 0; i < text.size(); i += piece) {
    EXPECT_TRUE(decoder.feed(std::string_view(text).substr(i, piece), events));
  }
  return events;
}

TEST(SseTest, DecodesEventsSplitAtEveryByte) {
  const std::string stream = "data: {\"a\":1}\n\n: keep-alive\n\ndata: [DONE]\n\n";
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    const auto events = decode_in_pieces(stream, piece);
    ASSERT_EQ(events.size(), 2U) << piece;
    EXPECT_EQ(events[0].data, "{\"a\":1}");
    EXPECT_EQ(events[1].data, "[DONE]");
  }
}

TEST(SseTest, ACrLfSplitAcrossPiecesEndsOneLine) {
  const std::string stream = "data: one\r\ndata: two\r\n\r\ndata: [DONE]\r\n\r\n";
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    const auto events = decode_in_pieces(stream, piece);
    ASSERT_EQ(events.size(), 2U) << piece;
    EXPECT_EQ(events[0].data, "one\ntwo") << piece;
    EXPECT_EQ(events[1].data, "[DONE]") << piece;
  }
}

TEST(SseTest, HandlesAllLineEndingsAndMultiLineData) {
  const auto events = decode_in_pieces("event: delta\r\ndata: one\r\ndata:two\r\rdata: x\n\n", 3);
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].event, "delta");
  EXPECT_EQ(events[0].data, "one\ntwo");
  EXPECT_EQ(events[1].data, "x");
}

TEST(SseTest, MixedLineEndingsDecodeTheSameInAnyPieces) {
  // Each kind of line ending before and after each other kind, whole and split at every byte.
  const std::string stream = "data: a\ndata: b\r\n\ndata: c\rdata: d\n\r\ndata: e\r\rdata: f\n\n";
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    const auto events = decode_in_pieces(stream, piece);
    ASSERT_EQ(events.size(), 4U) << piece;
    EXPECT_EQ(events[0].data, "a\nb") << piece;
    EXPECT_EQ(events[1].data, "c\nd") << piece;
    EXPECT_EQ(events[2].data, "e") << piece;
    EXPECT_EQ(events[3].data, "f") << piece;
  }
}

TEST(SseTest, KeepsAnEmptyFirstDataLine) {
  const auto events = decode_in_pieces("data:\ndata: x\n\n", 100);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].data, "\nx");
}

TEST(SseTest, ReportsAnUnfinishedEvent) {
  SseDecoder decoder;
  std::vector<SseEvent> events;
  decoder.feed("data: partial", events);
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(decoder.has_partial_event());
}

TEST(SseTest, RefusesEventsOverTheLimit) {
  SseDecoder decoder(16);
  std::vector<SseEvent> events;
  EXPECT_FALSE(decoder.feed("data: " + std::string(64, 'x'), events));
  EXPECT_FALSE(decoder.feed("\n\n", events));
}

TEST(SseTest, EncodesOneDataLinePerLine) {
  EXPECT_EQ(encode_sse_data("{}"), "data: {}\n\n");
  EXPECT_EQ(encode_sse_data("a\nb"), "data: a\ndata: b\n\n");
}

TEST(SseTest, EncodeThenDecodeRoundTrips) {
  const std::string payload = "line one\nline two";
  const auto events = decode_in_pieces(encode_sse_data(payload), 5);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].data, payload);
}

}  // namespace
}  // namespace switchyard::http
