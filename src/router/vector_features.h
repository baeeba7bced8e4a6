// The features a linear model reads from a text's word vectors (router/word_vectors.h),
// beside the n-grams of router/text_features.h:
//   - the text's vector, one feature a dimension, each `vector_weight` times its value;
//   - each word's neighbours (WordVectors::link_neighbours) as those words' unigram features,
//     of value similarity * `neighbour_weight` over the root of the text's word count (as
//     the word group is scaled), so an unseen word lights up the weights of the training
//     words it resembles.
// Nothing is added for a text none of whose words the vectors know.
//
// Example:
//   std::vector<Feature> features;
//   featurizer.featurize(text, features);
//   add_vector_features(vectors, 3.0F, 0.25F, text, features);
//
// Thread safety: add_vector_features() may run on many threads at once.
#pragma once

#include <string_view>
#include <vector>

#include "router/text_features.h"
#include "router/word_vectors.h"

namespace switchyard::router {

void add_vector_features(const WordVectors& vectors, float vector_weight, float neighbour_weight,
                         std::string_view text, std::vector<Feature>& out);

}  // namespace switchyard::router
