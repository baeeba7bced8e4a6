#include "local/engine.h"

#include <algorithm>
#include <utility>

#include <llama.h>

#include "common/log.h"
#include "local/backend.h"
#include "local/text_stream.h"

namespace switchyard::local {
namespace {

constexpr std::int32_t kPenaltyWindow = 64;
constexpr std::uint32_t kDefaultContext = 4096;
constexpr std::size_t kPieceBuffer = 256;

}  // namespace

void LocalEngine::SamplerDeleter::operator()(llama_sampler* sampler) const {
  llama_sampler_free(sampler);
}

// The grammar, when there is one, comes first so every later stage only sees tokens that
// keep the output valid.
LocalEngine::SamplerPtr LocalEngine::make_sampler(const GenerationRequest& request) const {
  const llama_vocab* vocab = llama_model_get_vocab(llama_);
  const SamplingParams& params = request.sampling;
  SamplerPtr chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
  if (!request.grammar.empty()) {
    llama_sampler* grammar = llama_sampler_init_grammar(vocab, request.grammar.c_str(), "root");
    if (grammar == nullptr) {
      return nullptr;
    }
    llama_sampler_chain_add(chain.get(), grammar);
  }
  if (params.repeat_penalty != 1.0F || params.frequency_penalty != 0.0F ||
      params.presence_penalty != 0.0F) {
    llama_sampler_chain_add(
        chain.get(), llama_sampler_init_penalties(llama_vocab_n_tokens(vocab), kPenaltyWindow,
                                                  params.repeat_penalty, params.frequency_penalty,
                                                  params.presence_penalty));
  }
  if (params.temperature <= 0.0F) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    return chain;
  }
  llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(params.top_k));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(params.top_p, 1));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_min_p(params.min_p, 1));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(params.temperature));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(params.seed));
  return chain;
}

namespace {

std::string token_piece(const llama_vocab* vocab, Token token) {
  std::string piece(kPieceBuffer, '\0');
  std::int32_t n = llama_token_to_piece(vocab, token, piece.data(),
                                        static_cast<std::int32_t>(piece.size()), 0, false);
  if (n < 0) {
    piece.resize(static_cast<std::size_t>(-n));
    n = llama_token_to_piece(vocab, token, piece.data(), -n, 0, false);
  }
  piece.resize(static_cast<std::size_t>(std::max(n, 0)));
  return piece;
}

}  // namespace

// One sequence of the shared context. Touched only by the scheduler thread.
struct LocalEngine::Slot {
  explicit Slot(llama_seq_id id) : seq(id) {}

  bool busy() const { return sink != nullptr; }

  llama_seq_id seq;
  GenerationRequest request;
  Sink sink;
  std::shared_ptr<Generation> handle;
  SamplerPtr sampler;
  std::unique_ptr<TextStream> text;
  std::size_t prompt_done = 0;  // prompt tokens already decoded
  std::size_t reused = 0;       // of them, those the sequence held from its last request
  llama_pos position = 0;       // position of the next token to decode
  Token next_token = 0;         // sampled, not yet decoded
  std::int32_t generated = 0;
  std::vector<TokenLogprob> logprobs;  // of tokens whose text is still held back
  // The prompt tokens whose KV the sequence still holds from its last request, and the
  // adapter they were decoded under.
  std::vector<Token> cached;
  std::int32_t cached_adapter = -1;
  std::uint64_t last_used = 0;  // when it was last given a request; 0: never
};

Result<std::shared_ptr<LocalEngine>, std::string> LocalEngine::load(
    const config::ModelConfig& model) {
  ensure_backend();
  llama_model_params model_params = llama_model_default_params();
  llama_model* llama = llama_model_load_from_file(model.local.path.c_str(), model_params);
  if (llama == nullptr) {
    return fail(fmt::format("model '{}': cannot load '{}'", model.name, model.local.path));
  }
  const std::uint32_t per_sequence =
      model.context_length != 0
          ? model.context_length
          : std::min<std::uint32_t>(kDefaultContext, llama_model_n_ctx_train(llama));
  llama_context_params params = context_params_for(model);
  params.n_seq_max = model.local.parallel;
  params.n_ctx = per_sequence * model.local.parallel;
  params.n_batch = model.local.batch_size;
  params.n_ubatch = model.local.batch_size;
  // One KV buffer shared by all sequences: measured several times faster here than separate
  // streams. Each sequence is still held to its share by submit() and sample().
  params.kv_unified = true;
  llama_context* context = llama_init_from_model(llama, params);
  if (context == nullptr) {
    llama_model_free(llama);
    return fail(
        fmt::format("model '{}': cannot create a context of {} tokens", model.name, params.n_ctx));
  }
  std::shared_ptr<LocalEngine> engine(new LocalEngine(model, llama, context));
  for (const auto& adapter : model.local.adapters) {
    llama_adapter_lora* loaded = llama_adapter_lora_init(llama, adapter.path.c_str());
    if (loaded == nullptr) {
      return fail(fmt::format("model '{}': cannot load the LoRA adapter '{}' from '{}'", model.name,
                              adapter.name, adapter.path));
    }
    engine->adapters_.push_back(loaded);
  }
  if (model.has(config::Capability::kEmbeddings)) {
    auto embedder = Embedder::create(model, llama);
    if (!embedder) {
      return fail(embedder.error());
    }
    engine->embedder_ = std::move(embedder).value();
  }
  return engine;
}

LocalEngine::LocalEngine(const config::ModelConfig& model, llama_model* llama,
                         llama_context* context)
    : model_(model),
      llama_(llama),
      context_(context),
      context_per_sequence_(llama_n_ctx(context) / model.local.parallel),
      batch_capacity_(static_cast<std::int32_t>(model.local.batch_size)),
      batch_(std::make_unique<llama_batch>(llama_batch_init(batch_capacity_, 0, 1))) {
  for (std::uint32_t i = 0; i < model.local.parallel; ++i) {
    slots_.push_back(std::make_unique<Slot>(static_cast<llama_seq_id>(i)));
  }
  thread_ = std::thread([this] { run(); });
  log::get("local")->info("model '{}' loaded: {} sequences of {} tokens", model.name, slots_.size(),
                          context_per_sequence_);
}

LocalEngine::~LocalEngine() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  embedder_.reset();  // before the model it reads
  llama_batch_free(*batch_);
  llama_free(context_);
  llama_model_free(llama_);
}

Result<std::shared_ptr<Generation>, SubmitError> LocalEngine::submit(GenerationRequest request,
                                                                     Sink sink) {
  if (request.prompt.empty()) {
    return fail(SubmitError::kEmptyPrompt);
  }
  // The prompt and at least one generated token must fit one sequence.
  if (request.prompt.size() + 1 > context_per_sequence_) {
    return fail(SubmitError::kContextExceeded);
  }
  SamplerPtr sampler = make_sampler(request);
  if (!sampler) {
    return fail(SubmitError::kInvalidGrammar);
  }
  auto handle = std::make_shared<Generation>();
  {
    const std::lock_guard lock(mutex_);
    if (queue_.size() >= model_.local.max_queue) {
      return fail(SubmitError::kQueueFull);
    }
    queue_.push_back({std::move(request), std::move(sampler), std::move(sink), handle});
  }
  wake_.notify_one();
  return handle;
}

std::vector<Token> LocalEngine::tokenize(std::string_view text) const {
  const llama_vocab* vocab = llama_model_get_vocab(llama_);
  const auto length = static_cast<std::int32_t>(text.size());
  std::vector<Token> tokens(text.size() + 2);
  std::int32_t n = llama_tokenize(vocab, text.data(), length, tokens.data(),
                                  static_cast<std::int32_t>(tokens.size()), true, true);
  if (n < 0) {
    tokens.resize(static_cast<std::size_t>(-n));
    n = llama_tokenize(vocab, text.data(), length, tokens.data(), -n, true, true);
  }
  tokens.resize(static_cast<std::size_t>(std::max(n, 0)));
  return tokens;
}

Result<std::string, std::string> LocalEngine::format_chat(
    const std::vector<ChatMessage>& messages) const {
  return render_chat(llama_, messages, /*add_assistant=*/true);
}

// The adapter this step runs: the current one while it has sequences and is alone, else the
// next one (in slot order after the current) that has any, so no group starves. Applying it
// is a no-op when it is already set.
std::int32_t LocalEngine::choose_adapter() {
  std::vector<std::int32_t> waiting;
  for (const auto& slot : slots_) {
    if (slot->busy() &&
        std::find(waiting.begin(), waiting.end(), slot->request.adapter) == waiting.end()) {
      waiting.push_back(slot->request.adapter);
    }
  }
  if (waiting.empty() || adapters_.empty()) {
    return waiting.empty() ? active_adapter_ : -1;
  }
  std::sort(waiting.begin(), waiting.end());
  const auto next = std::upper_bound(waiting.begin(), waiting.end(), active_adapter_);
  const std::int32_t chosen =
      waiting.size() == 1 ? waiting.front() : (next != waiting.end() ? *next : waiting.front());
  if (chosen != active_adapter_) {
    if (chosen < 0) {
      llama_set_adapters_lora(context_, nullptr, 0, nullptr);
    } else {
      auto scale =
          static_cast<float>(model_.local.adapters[static_cast<std::size_t>(chosen)].scale);
      llama_set_adapters_lora(context_, &adapters_[static_cast<std::size_t>(chosen)], 1, &scale);
    }
    active_adapter_ = chosen;
  }
  return chosen;
}

std::size_t LocalEngine::active_slots() const {
  return static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const auto& slot) { return slot->busy(); }));
}

void LocalEngine::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || active_slots() > 0; });
    if (stopping_) {
      break;
    }
    admit(lock);
    lock.unlock();
    step();
    lock.lock();
  }
  lock.unlock();
  for (auto& slot : slots_) {
    if (slot->busy()) {
      slot->sink({.kind = GenerationEvent::Kind::kError, .text = "the model is shutting down"});
      release(*slot);
    }
  }
}

// Moves queued requests into free slots, each into the one free_slot_for picks, reusing
// what that slot's cache shares with the prompt. REQUIRES: mutex_ held.
void LocalEngine::admit(std::unique_lock<std::mutex>& /*lock*/) {
  while (!queue_.empty()) {
    Slot* slot = free_slot_for(queue_.front().request);
    if (slot == nullptr) {
      return;
    }
    Pending pending = std::move(queue_.front());
    queue_.pop_front();
    if (pending.handle->cancelled()) {
      continue;
    }
    const std::size_t reused = reuse_prefix(*slot, pending.request);
    slot->sampler = std::move(pending.sampler);
    slot->text = std::make_unique<TextStream>(pending.request.stop);
    slot->request = std::move(pending.request);
    slot->sink = std::move(pending.sink);
    slot->handle = std::move(pending.handle);
    slot->prompt_done = reused;
    slot->reused = reused;
    slot->last_used = ++uses_;
    slot->logprobs.clear();
    slot->position = static_cast<llama_pos>(reused);
    slot->generated = 0;
  }
}

// How many leading tokens of `request`'s prompt `slot` holds already decoded, under the same
// adapter. The last prompt token is always decoded again: its logits pick the first token.
std::size_t LocalEngine::shared_prefix(const Slot& slot, const GenerationRequest& request) const {
  if (!model_.local.prompt_cache || slot.cached_adapter != request.adapter) {
    return 0;
  }
  const auto& prompt = request.prompt;
  const std::size_t limit = std::min(slot.cached.size(), prompt.size() - 1);
  return static_cast<std::size_t>(std::mismatch(prompt.begin(),
                                                prompt.begin() + static_cast<std::ptrdiff_t>(limit),
                                                slot.cached.begin())
                                      .first -
                                  prompt.begin());
}

// The free slot whose cache covers at least half of the request's prompt, the most of it if
// several do; otherwise the one used longest ago, so that a prompt that shares little (the
// start of a chat template, say) does not evict a cache that others share.
LocalEngine::Slot* LocalEngine::free_slot_for(const GenerationRequest& request) {
  Slot* closest = nullptr;
  Slot* stalest = nullptr;
  std::size_t most_shared = 0;
  for (auto& slot : slots_) {
    if (slot->busy()) {
      continue;
    }
    if (const std::size_t shared = shared_prefix(*slot, request); shared > most_shared) {
      closest = slot.get();
      most_shared = shared;
    }
    if (stalest == nullptr || slot->last_used < stalest->last_used) {
      stalest = slot.get();
    }
  }
  return closest != nullptr && 2 * most_shared >= request.prompt.size() ? closest : stalest;
}

// Drops what the slot holds beyond the prompt's shared start; returns that start's length.
std::size_t LocalEngine::reuse_prefix(Slot& slot, const GenerationRequest& request) {
  std::size_t shared = shared_prefix(slot, request);
  llama_memory_t memory = llama_get_memory(context_);
  // A model whose memory cannot be cut part way (a recurrent one) starts over.
  if (!llama_memory_seq_rm(memory, slot.seq, static_cast<llama_pos>(shared), -1)) {
    llama_memory_seq_rm(memory, slot.seq, -1, -1);
    shared = 0;
  }
  slot.cached.clear();
  return shared;
}

void LocalEngine::step() {
  for (auto& slot : slots_) {
    if (slot->busy() && slot->handle->cancelled()) {
      release(*slot);
    }
  }
  llama_batch& batch = *batch_;
  batch.n_tokens = 0;
  std::vector<std::pair<Slot*, std::int32_t>> to_sample;
  auto add = [&](Slot& slot, Token token, bool logits) {
    const std::int32_t i = batch.n_tokens++;
    batch.token[i] = token;
    batch.pos[i] = slot.position++;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = slot.seq;
    batch.logits[i] = static_cast<std::int8_t>(logits);
    if (logits) {
      to_sample.emplace_back(&slot, i);
    }
  };
  const std::int32_t adapter = choose_adapter();
  auto in_step = [adapter](const Slot& slot) {
    return slot.busy() && slot.request.adapter == adapter;
  };
  // Generating sequences first, one token each, so streams keep flowing; then prompt
  // chunks fill what is left of the batch, so a long prompt cannot stall them.
  for (auto& slot : slots_) {
    if (in_step(*slot) && slot->prompt_done == slot->request.prompt.size() &&
        batch.n_tokens < batch_capacity_) {
      add(*slot, slot->next_token, true);
    }
  }
  for (auto& slot : slots_) {
    const auto& prompt = slot->request.prompt;
    while (in_step(*slot) && slot->prompt_done < prompt.size() &&
           batch.n_tokens < batch_capacity_) {
      const bool last = slot->prompt_done + 1 == prompt.size();
      add(*slot, prompt[slot->prompt_done++], last);
    }
  }
  if (batch.n_tokens > 0) {
    const std::int32_t rc = llama_decode(context_, batch);
    if (rc != 0) {
      // Every sequence with tokens in the failed batch has lost its place; end them all.
      log::get("local")->error("model '{}': decode failed ({})", model_.name, rc);
      for (auto& slot : slots_) {
        if (in_step(*slot)) {
          slot->sink({.kind = GenerationEvent::Kind::kError, .text = "local inference failed"});
          release(*slot, /*keep_prompt=*/false);
        }
      }
    } else {
      for (auto& [slot, index] : to_sample) {
        sample(*slot, index);
      }
    }
  }
}

void LocalEngine::sample(Slot& slot, std::int32_t batch_index) {
  const llama_vocab* vocab = llama_model_get_vocab(llama_);
  const Token token = llama_sampler_sample(slot.sampler.get(), context_, batch_index);
  if (llama_vocab_is_eog(vocab, token)) {
    finish(slot, "stop");
    return;
  }
  ++slot.generated;
  slot.next_token = token;
  if (slot.request.top_logprobs >= 0) {
    slot.logprobs.push_back(token_logprob(llama_get_logits_ith(context_, batch_index), vocab, token,
                                          slot.request.top_logprobs));
  }
  if (std::string text = slot.text->push(token_piece(vocab, token)); !text.empty()) {
    slot.sink({.kind = GenerationEvent::Kind::kText,
               .text = std::move(text),
               .logprobs = std::exchange(slot.logprobs, {})});
  }
  if (slot.text->stopped()) {
    finish(slot, "stop");
  } else if (slot.generated == slot.request.max_tokens ||
             static_cast<std::uint32_t>(slot.position) + 1 >= context_per_sequence_) {
    finish(slot, "length");
  }
}

void LocalEngine::finish(Slot& slot, std::string reason) {
  if (std::string rest = slot.text->flush(); !rest.empty() || !slot.logprobs.empty()) {
    slot.sink({.kind = GenerationEvent::Kind::kText,
               .text = std::move(rest),
               .logprobs = std::exchange(slot.logprobs, {})});
  }
  slot.sink({.kind = GenerationEvent::Kind::kDone,
             .finish_reason = std::move(reason),
             .prompt_tokens = static_cast<std::int32_t>(slot.request.prompt.size()),
             .completion_tokens = slot.generated,
             .cached_tokens = static_cast<std::int32_t>(slot.reused)});
  release(slot);
}

void LocalEngine::release(Slot& slot, bool keep_prompt) {
  llama_memory_t memory = llama_get_memory(context_);
  // What of the prompt was decoded stays for the next request to share; generated tokens go.
  const std::size_t kept = keep_prompt && model_.local.prompt_cache ? slot.prompt_done : 0;
  if (kept == 0 || !llama_memory_seq_rm(memory, slot.seq, static_cast<llama_pos>(kept), -1)) {
    llama_memory_seq_rm(memory, slot.seq, -1, -1);
    slot.cached.clear();
  } else {
    slot.cached.assign(slot.request.prompt.begin(),
                       slot.request.prompt.begin() + static_cast<std::ptrdiff_t>(kept));
    slot.cached_adapter = slot.request.adapter;
  }
  slot.sink = nullptr;
  slot.handle.reset();
  slot.sampler.reset();
  slot.text.reset();
}

}  // namespace switchyard::local
