// Catalog: the curated list of models AI Runway offers on its first screen.
//
// The list is ours (models.json beside this file, embedded in the binary at build time) and
// can be replaced at start-up by a file (`airunway serve --catalog FILE`). Either way it is
// validated once, when loaded; every problem is reported with the entry it belongs to
// ("models[3] (\"Qwen/Qwen3-8B\"): contextLength must be a positive integer"), so a bad file
// stops start-up with a message a person can act on.
//
// Entries are served as the wire objects of the reference's Model type (id, name,
// description, size, task, conversational?, parameters?, contextLength?, license?,
// supportedEngines, minGpuMemory?, minGpus?, gated?), in the order the file lists them.
//
// Thread-safety: a Catalog is immutable after loading; share it freely (shared_ptr<const>).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace airunway::catalog {

// The engines a catalog entry may name.
inline constexpr std::string_view kEngines[] = {"vllm", "sglang", "trtllm", "llamacpp"};
inline constexpr std::string_view kTasks[] = {"text-generation", "image-text-to-text"};

class Catalog {
 public:
  // Accepts {"models": [...]} or a bare array. `source` names the text in errors.
  static common::Result<Catalog> Parse(std::string_view text, std::string_view source);
  static common::Result<Catalog> LoadFile(const std::string& path);
  // The catalog compiled into the binary.
  static common::Result<Catalog> LoadEmbedded();

  const boost::json::array& models() const { return models_; }
  // The entry with exactly this id (case-sensitive), or nullptr.
  const boost::json::object* Find(std::string_view id) const;
  std::size_t size() const { return models_.size(); }

 private:
  boost::json::array models_;
};

// A model id as the Hub names repos: one or two '/'-separated parts ("owner/name" or "name"),
// each 1-96 characters of letters, digits, '.', '_' or '-', and not "." or "..". Catalog
// entries (kaito/... ids of pre-built images too) and ids sent to the Hub are checked by it.
bool IsValidModelId(std::string_view id);

// The text of models.json as compiled in.
std::string_view EmbeddedCatalogJson();

}  // namespace airunway::catalog
