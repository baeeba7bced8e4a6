#include "local/vocab_maker.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <llama-cpp.h>
#include <llama.h>

#include "local/backend.h"
#include "local/model_maker.h"
#include "support/temporary_directory.h"

namespace switchyard::local {

using switchyard::testing::TemporaryDirectory;
namespace {

const std::vector<std::string> kTexts = {"Switchyard serves small models.",
                                         "Point [[models]] at a GGUF file.", "[INST]", "[/INST]"};

// A model that uses the vocabulary, loaded for its tokenizer only.
class VocabMakerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = make_vocab(kTexts, 1, directory_.file("vocab.gguf"));
    ASSERT_TRUE(made) << made.error();
    summary_ = *made;
    ModelShape shape;
    shape.vocab_file = directory_.file("vocab.gguf");
    auto model = make_model(shape, directory_.file("model.gguf"));
    ASSERT_TRUE(model) << model.error();
    ensure_backend();
    llama_model_params params = llama_model_default_params();
    params.vocab_only = true;
    model_.reset(llama_model_load_from_file(directory_.file("model.gguf").c_str(), params));
    ASSERT_NE(model_, nullptr);
  }

  std::vector<std::string> pieces(const std::string& text) const {
    const llama_vocab* vocab = llama_model_get_vocab(model_.get());
    std::vector<llama_token> tokens(text.size() + 8);
    const int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()),
                                 tokens.data(), static_cast<int32_t>(tokens.size()), false, true);
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      char piece[64];
      const int length = llama_token_to_piece(vocab, tokens[i], piece, sizeof piece, 0, true);
      out.emplace_back(piece, static_cast<std::size_t>(std::max(length, 0)));
    }
    return out;
  }

  std::string round_trip(const std::string& text) const {
    const llama_vocab* vocab = llama_model_get_vocab(model_.get());
    std::vector<llama_token> tokens(4 * text.size() + 8);
    const int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()),
                                 tokens.data(), static_cast<int32_t>(tokens.size()), false, false);
    std::string back(4 * text.size() + 8, '\0');
    const int length = llama_detokenize(vocab, tokens.data(), n, back.data(),
                                        static_cast<int32_t>(back.size()), false, false);
    back.resize(static_cast<std::size_t>(std::max(length, 0)));
    return back;
  }

  TemporaryDirectory directory_;
  VocabSummary summary_;
  llama_model_ptr model_;
};

TEST_F(VocabMakerTest, CountsControlByteAndCorpusPieces) {
  // <unk>, <s>, </s>, 256 bytes and the 94 printable ASCII characters at least.
  EXPECT_GT(summary_.tokens, 3U + 256U + 94U);
  EXPECT_EQ(summary_.words, 12U);  // distinct space-led words
}

TEST_F(VocabMakerTest, CorpusWordsAreOnePieceEach) {
  EXPECT_EQ(pieces("Switchyard serves small models."),
            (std::vector<std::string>{" Switchyard", " serves", " small", " models."}));
}

TEST_F(VocabMakerTest, AWordRightAfterMarkupIsOnePieceToo) {
  EXPECT_EQ(pieces("[/INST]Point"), (std::vector<std::string>{" [/INST]", "Point"}));
}

TEST_F(VocabMakerTest, UnseenWordsSplitIntoShorterPieces) {
  const auto split = pieces("Switchboard");
  ASSERT_GE(split.size(), 2U);
  EXPECT_EQ(split.front(), " Switch");  // the longest prefix it shares with "Switchyard"
}

TEST_F(VocabMakerTest, TextOutsideTheCorpusRoundTripsThroughByteTokens) {
  const std::string text = "Grüße aus 東京, tab\there";
  EXPECT_EQ(round_trip(text), text);
}

TEST(VocabMaker, UnwritablePathFails) {
  auto made = make_vocab(kTexts, 1, "/nonexistent-folder/vocab.gguf");
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().find("/nonexistent-folder/vocab.gguf"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::local
