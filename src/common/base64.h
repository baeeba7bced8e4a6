// Base64 (RFC 4648, with padding), as OpenAI's API uses for embeddings in encoding_format
// "base64": the little-endian float32 bytes of the vector.
#pragma once

#include <string>
#include <string_view>

namespace switchyard {

std::string base64_encode(std::string_view bytes);

}  // namespace switchyard
