// The document-level PHI signal: how much a text reads like clinical writing (notes,
// diagnoses, medications) even when it holds no single identifier. It adds up evidence from a
// weighted lexicon of clinical terms, drug-name endings, note section headers ("Assessment:")
// and dosages ("10 mg bid"), and squashes the sum into a score in [0, 1).
// Pure functions over constant tables; thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "privacy/tokenizer.h"

namespace switchyard::privacy {

// Raw evidence; sums over several texts of one request are meaningful.
float clinical_evidence(std::string_view text, std::span<const Token> tokens);

// 1 - exp(-evidence / scale): 0 for none, about 0.5 for a short clinical sentence, near 1 for
// a note.
float phi_score(float evidence);

// The score above which a text counts as clinical on its own.
inline constexpr float kClinicalThreshold = 0.5F;

}  // namespace switchyard::privacy
