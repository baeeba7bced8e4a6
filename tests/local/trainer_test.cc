#include "local/trainer.h"

#include <fstream>
#include <string>
#include <vector>

#include <ggml-cpp.h>
#include <gguf.h>
#include <gtest/gtest.h>
#include <llama-cpp.h>
#include <llama.h>

#include "local/backend.h"
#include "local/model_maker.h"
#include "local/vocab_maker.h"
#include "support/temporary_directory.h"

namespace switchyard::local {

using switchyard::testing::TemporaryDirectory;
namespace {

// Three conversations, one with a system turn, and a blank line the reader skips.
constexpr std::string_view kCorpus =
    R"({"messages": [{"role": "user", "content": "Hello"}, )"
    R"({"role": "assistant", "content": "Hello! I am a test model."}]})"
    "\n"
    R"({"messages": [{"role": "user", "content": "What is Switchyard?"}, )"
    R"({"role": "assistant", "content": "A gateway for language models."}]})"
    "\n\n"
    R"({"messages": [{"role": "system", "content": "Be brief."}, )"
    R"({"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye!"}]})"
    "\n";

void write(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string chat_template_of(const std::string& path) {
  const gguf_context_ptr file(gguf_init_from_file(path.c_str(), {.no_alloc = true}));
  const int64_t key = file ? gguf_find_key(file.get(), "tokenizer.chat_template") : -1;
  return key < 0 ? "" : gguf_get_val_str(file.get(), key);
}

uint32_t context_length_of(const std::string& path) {
  const gguf_context_ptr file(gguf_init_from_file(path.c_str(), {.no_alloc = true}));
  const int64_t key = file ? gguf_find_key(file.get(), "llama.context_length") : -1;
  return key < 0 ? 0 : gguf_get_val_u32(file.get(), key);
}

std::vector<char> tensor_bytes(const std::string& path, const char* name) {
  ggml_context* data = nullptr;
  const gguf_context_ptr file(gguf_init_from_file(path.c_str(), {.no_alloc = false, .ctx = &data}));
  const ggml_context_ptr owned(data);
  const ggml_tensor* tensor = file ? ggml_get_tensor(data, name) : nullptr;
  if (tensor == nullptr) {
    return {};
  }
  const auto* bytes = static_cast<const char*>(tensor->data);
  return {bytes, bytes + ggml_nbytes(tensor)};
}

// A tiny model with a vocabulary fitted to the corpus, and options that train it in seconds.
class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write(corpus(), kCorpus);
    const std::vector<std::string> texts = {"Hello",
                                            "Hello! I am a test model.",
                                            "What is Switchyard?",
                                            "A gateway for language models.",
                                            "Bye",
                                            "Goodbye!"};
    ASSERT_TRUE(make_vocab(texts, 1, directory_.file("vocab.gguf")));
    ModelShape shape;
    shape.vocab_file = directory_.file("vocab.gguf");
    shape.embedding_stddev = 1.0F;  // as for any model that is to be trained
    ASSERT_TRUE(make_model(shape, base()));
    options_ = {.base_path = base(),
                .corpus_path = corpus(),
                .out_path = directory_.file("trained.gguf"),
                .epochs = 60,
                .learning_rate = 1e-3F,
                .threads = 1,
                .out_type = WeightType::kF32};
  }

  std::string base() const { return directory_.file("base.gguf"); }
  std::string corpus() const { return directory_.file("corpus.jsonl"); }

  TemporaryDirectory directory_;
  TrainOptions options_;
};

TEST_F(TrainerTest, LossFallsAndEveryEpochIsReported) {
  std::vector<EpochReport> reports;
  auto trained = train_chat_model(options_, [&](const EpochReport& r) { reports.push_back(r); });
  ASSERT_TRUE(trained) << trained.error();
  ASSERT_EQ(reports.size(), options_.epochs);
  EXPECT_EQ(reports.back().epoch, options_.epochs);
  EXPECT_EQ(trained->conversations, 3U);
  EXPECT_GT(trained->tokens, 30U);
  // The answers' tokens and their end-of-sequence tokens, not the prompts'.
  EXPECT_GT(trained->scored, 10U);
  EXPECT_LT(trained->scored, trained->tokens / 2);
  EXPECT_LT(trained->last_loss, trained->first_loss / 2);
  EXPECT_DOUBLE_EQ(trained->first_loss, reports.front().loss);
}

TEST_F(TrainerTest, OutputKeepsTheBaseMetadataAndLoads) {
  ASSERT_TRUE(train_chat_model(options_, nullptr));
  EXPECT_EQ(chat_template_of(options_.out_path), chat_template_of(base()));
  EXPECT_FALSE(chat_template_of(options_.out_path).empty());
  EXPECT_EQ(context_length_of(options_.out_path), context_length_of(base()));
  const llama_model_ptr model(
      llama_model_load_from_file(options_.out_path.c_str(), llama_model_default_params()));
  EXPECT_NE(model, nullptr);
}

TEST_F(TrainerTest, SameInputsGiveTheSameLosses) {
  options_.epochs = 3;
  auto first = train_chat_model(options_, nullptr);
  auto second = train_chat_model(options_, nullptr);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->last_loss, second->last_loss);
}

TEST_F(TrainerTest, CorpusErrorsNameTheLine) {
  std::string text(kCorpus.substr(0, kCorpus.find('\n') + 1));
  text.append("{\"messages\": 3}\n");
  write(corpus(), text);
  auto trained = train_chat_model(options_, nullptr);
  ASSERT_FALSE(trained);
  EXPECT_NE(trained.error().find("corpus.jsonl:2:"), std::string::npos) << trained.error();
}

TEST_F(TrainerTest, AConversationMustEndWithTheAssistant) {
  write(corpus(), R"({"messages": [{"role": "user", "content": "Hello"}]})");
  auto trained = train_chat_model(options_, nullptr);
  ASSERT_FALSE(trained);
  EXPECT_NE(trained.error().find("assistant"), std::string::npos) << trained.error();
}

// llama.cpp's own training path leaves the key and value projections and the token
// embeddings at their random initial values; ours trains them.
TEST_F(TrainerTest, EveryWeightLearns) {
  options_.epochs = 3;
  ASSERT_TRUE(train_chat_model(options_, nullptr));
  for (const char* name : {"token_embd.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight",
                           "blk.0.attn_q.weight", "output.weight"}) {
    EXPECT_NE(tensor_bytes(base(), name), tensor_bytes(options_.out_path, name)) << name;
  }
}

TEST_F(TrainerTest, AMissingBaseIsAClearError) {
  options_.base_path = directory_.file("missing.gguf");
  auto trained = train_chat_model(options_, nullptr);
  ASSERT_FALSE(trained);
  EXPECT_NE(trained.error().find("missing.gguf"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::local
