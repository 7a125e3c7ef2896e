// The web UI embedded in the binary: web/dist when it was built, otherwise the placeholder
// page in web/placeholder. The definition is generated at build time by tools/embed_files.
//
// Thread-safety: immutable static data.
#pragma once

#include <span>

#include "http/static_assets.h"

namespace airunway::cli {

std::span<const http::EmbeddedFile> EmbeddedWebFiles();

}  // namespace airunway::cli
