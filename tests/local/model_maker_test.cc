#include "local/model_maker.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <llama-cpp.h>
#include <llama.h>

#include "local/backend.h"
#include "local/model_metadata.h"
#include "support/temporary_directory.h"

namespace switchyard::local {

using switchyard::testing::TemporaryDirectory;
namespace {

namespace fs = std::filesystem;

constexpr int32_t kLlamaSpmTokens = 32000;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The parameters of a Llama model of this shape without biases, with an untied output matrix.
uint64_t llama_parameters(const ModelShape& shape, uint64_t vocab) {
  const uint64_t embd = shape.embd;
  const uint64_t kv = embd / shape.heads * shape.kv_heads;
  const uint64_t layer = 2 * embd + 2 * embd * embd + 2 * embd * kv + 3 * embd * shape.ff;
  return shape.layers * layer + 2 * vocab * embd + embd;
}

ModelShape tiny(WeightType type, uint64_t seed) {
  ModelShape shape = preset_shape("tiny").value();
  shape.type = type;
  shape.seed = seed;
  return shape;
}

llama_model_ptr load_model(const std::string& path) {
  ensure_backend();
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = 0;
  return llama_model_ptr(llama_model_load_from_file(path.c_str(), params));
}

std::vector<llama_token> tokenize(const llama_vocab* vocab, const std::string& text) {
  std::vector<llama_token> tokens(text.size() + 8);
  const int32_t count = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()),
                                       tokens.data(), static_cast<int32_t>(tokens.size()),
                                       /*add_special=*/true, /*parse_special=*/false);
  tokens.resize(count > 0 ? count : 0);
  return tokens;
}

class MadeModel : public ::testing::TestWithParam<WeightType> {
 protected:
  void SetUp() override {
    path_ = directory_.file("tiny.gguf");
    auto made = make_model(tiny(GetParam(), 1), path_);
    ASSERT_TRUE(made.ok()) << made.error();
    summary_ = *made;
  }

  TemporaryDirectory directory_;
  std::string path_;
  ModelSummary summary_;
};

TEST_P(MadeModel, ReportsWhatItWrote) {
  EXPECT_EQ(summary_.parameters, llama_parameters(ModelShape{}, kLlamaSpmTokens));
  EXPECT_EQ(summary_.file_bytes, fs::file_size(path_));
  EXPECT_GT(summary_.seconds, 0.0);
  EXPECT_FALSE(fs::exists(path_ + ".f32.tmp"));
}

TEST_P(MadeModel, LoadsWithItsShapeVocabularyAndChatTemplate) {
  const auto model = load_model(path_);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(llama_model_n_layer(model.get()), 2);
  EXPECT_EQ(llama_model_n_embd(model.get()), 64);
  EXPECT_EQ(llama_model_n_head(model.get()), 4);
  EXPECT_EQ(llama_model_n_head_kv(model.get()), 2);
  EXPECT_EQ(llama_vocab_n_tokens(llama_model_get_vocab(model.get())), kLlamaSpmTokens);
  EXPECT_EQ(llama_model_n_params(model.get()), summary_.parameters);

  const char* chat_template = llama_model_chat_template(model.get(), nullptr);
  ASSERT_NE(chat_template, nullptr);
  const llama_chat_message messages[] = {{"system", "Be brief."}, {"user", "Hi"}};
  std::vector<char> prompt(256);
  const int32_t length = llama_chat_apply_template(chat_template, messages, 2, true, prompt.data(),
                                                   static_cast<int32_t>(prompt.size()));
  ASSERT_GT(length, 0);
  EXPECT_EQ(std::string(prompt.data(), length),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]");
}

TEST_P(MadeModel, DecodesAPromptToFiniteLogits) {
  const auto model = load_model(path_);
  ASSERT_NE(model, nullptr);
  llama_context_params params = llama_context_default_params();
  params.n_ctx = 256;
  params.n_batch = 64;
  params.n_threads = 2;
  params.n_threads_batch = 2;
  const llama_context_ptr context(llama_init_from_model(model.get(), params));
  ASSERT_NE(context, nullptr);

  auto tokens = tokenize(llama_model_get_vocab(model.get()), "The quick brown fox");
  ASSERT_GT(tokens.size(), 1U);
  ASSERT_EQ(llama_decode(context.get(), llama_batch_get_one(tokens.data(), tokens.size())), 0);
  const float* logits = llama_get_logits_ith(context.get(), -1);
  ASSERT_NE(logits, nullptr);
  float low = logits[0];
  float high = logits[0];
  for (int32_t token = 0; token < kLlamaSpmTokens; ++token) {
    ASSERT_TRUE(std::isfinite(logits[token])) << "token " << token;
    low = std::min(low, logits[token]);
    high = std::max(high, logits[token]);
  }
  EXPECT_GT(high - low, 0.01F);  // random weights still discriminate between tokens
  EXPECT_LT(high - low, 100.0F);
}

TEST_P(MadeModel, SameSeedGivesAByteIdenticalFile) {
  const std::string again = directory_.file("again.gguf");
  ASSERT_TRUE(make_model(tiny(GetParam(), 1), again).ok());
  EXPECT_TRUE(read_file(path_) == read_file(again));
}

INSTANTIATE_TEST_SUITE_P(Types, MadeModel, ::testing::Values(WeightType::kF32, WeightType::kQ8),
                         [](const auto& info) {
                           return std::string(weight_type_name(info.param));
                         });

TEST(ModelMaker, OtherSeedGivesOtherWeights) {
  const TemporaryDirectory directory;
  ASSERT_TRUE(make_model(tiny(WeightType::kF32, 1), directory.file("one.gguf")).ok());
  ASSERT_TRUE(make_model(tiny(WeightType::kF32, 2), directory.file("two.gguf")).ok());
  const std::string one = read_file(directory.file("one.gguf"));
  const std::string two = read_file(directory.file("two.gguf"));
  EXPECT_EQ(one.size(), two.size());
  EXPECT_NE(one, two);
}

TEST(ModelMaker, WritesOnlyLlamaTensors) {
  const TemporaryDirectory directory;
  const std::string path = directory.file("tiny.gguf");
  ASSERT_TRUE(make_model(tiny(WeightType::kF32, 1), path).ok());
  const gguf_context_ptr gguf(gguf_init_from_file(path.c_str(), {.no_alloc = true}));
  ASSERT_NE(gguf, nullptr);
  // token_embd, output_norm, output; per layer two norms, q, k, v, o, gate, up, down.
  EXPECT_EQ(gguf_get_n_tensors(gguf.get()), 3 + 2 * 9);
  EXPECT_LT(gguf_find_tensor(gguf.get(), "blk.0.attn_q.bias"), 0);
  EXPECT_LT(gguf_find_tensor(gguf.get(), "rope_freqs.weight"), 0);
  EXPECT_GE(gguf_find_tensor(gguf.get(), "output.weight"), 0);
}

TEST(ModelMaker, RejectsInconsistentShapes) {
  ModelShape shape;
  shape.heads = 5;
  EXPECT_NE(validate_shape(shape).error().find("heads"), std::string::npos);
  shape = ModelShape{};
  shape.kv_heads = 3;
  EXPECT_NE(validate_shape(shape).error().find("kv_heads"), std::string::npos);
  shape = ModelShape{};
  shape.embd = 40;  // head size 10 is fine for F32, rows of 40 are not whole Q8_0 blocks
  EXPECT_TRUE(validate_shape(shape).ok());
  shape.type = WeightType::kQ8;
  EXPECT_NE(validate_shape(shape).error().find("multiples of 32"), std::string::npos);
  shape = ModelShape{};
  shape.layers = 0;
  EXPECT_FALSE(validate_shape(shape).ok());
}

TEST(ModelMaker, ResolvesVocabularyNamesAndPaths) {
  const auto named = resolve_vocab_file("qwen2");
  ASSERT_TRUE(named.ok()) << named.error();
  const std::string& file = named.value();
  EXPECT_TRUE(file.ends_with("/ggml-vocab-qwen2.gguf"));
  EXPECT_EQ(resolve_vocab_file(file).value(), file);

  const auto unknown = resolve_vocab_file("no-such-vocab");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().find("llama-spm"), std::string::npos);  // lists the known names
  EXPECT_FALSE(resolve_vocab_file("/nonexistent/vocab.gguf").ok());
}

TEST(ModelMaker, FailsWithoutWritingOnABadVocabularyFile) {
  const TemporaryDirectory directory;
  const std::string not_gguf = directory.file("vocab.gguf");
  std::ofstream(not_gguf) << "not a gguf";
  ModelShape shape;
  shape.vocab_file = not_gguf;
  const std::string out = directory.file("out.gguf");
  const auto made = make_model(shape, out);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().find("not a GGUF"), std::string::npos);
  EXPECT_FALSE(fs::exists(out));
}

TEST(ModelMaker, KeepsAVocabularysOwnChatTemplate) {
  const std::string qwen = resolve_vocab_file("qwen2").value();
  const auto metadata = make_llama_metadata(ModelShape{}, qwen);
  ASSERT_TRUE(metadata.ok()) << metadata.error();
  const gguf_context* gguf = metadata->get();
  const int64_t id = gguf_find_key(gguf, "tokenizer.chat_template");
  ASSERT_GE(id, 0);
  EXPECT_NE(std::string(gguf_get_val_str(gguf, id)).find("<|im_start|>"), std::string::npos);
  EXPECT_EQ(std::string(gguf_get_val_str(gguf, gguf_find_key(gguf, "general.architecture"))),
            "llama");
  EXPECT_EQ(gguf_get_val_u32(gguf, gguf_find_key(gguf, "llama.vocab_size")), 151936U);
}

TEST(ModelMaker, NamesPresetsAndTypes) {
  EXPECT_EQ(preset_shape("300m")->layers, 16U);
  EXPECT_NE(preset_shape("huge").error().find("tiny"), std::string::npos);
  EXPECT_EQ(parse_weight_type("q4_0"), WeightType::kQ4);
  EXPECT_EQ(parse_weight_type("q5_k"), std::nullopt);
  EXPECT_EQ(weight_type_name(WeightType::kQ8), "q8_0");
}

}  // namespace
}  // namespace switchyard::local
