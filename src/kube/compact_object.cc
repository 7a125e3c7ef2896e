#include "kube/compact_object.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <new>
#include <vector>

namespace airunway::kube {

namespace json = boost::json;

namespace {

constexpr std::size_t AlignUp(std::size_t offset, std::size_t alignment) {
  return (offset + alignment - 1) & ~(alignment - 1);
}

void* HeapAllocate(std::size_t bytes, std::size_t alignment) {
  if (alignment <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) return ::operator new(bytes);
  return ::operator new(bytes, std::align_val_t(alignment));
}

void HeapFree(void* p, std::size_t alignment) noexcept {
  if (alignment <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
    ::operator delete(p);
  } else {
    ::operator delete(p, std::align_val_t(alignment));
  }
}

// The measuring pass: bump allocation in reusable thread-local scratch, tracking the offset
// an arena starting at a maximally aligned address would reach.
class MeasuringResource final : public json::memory_resource {
 public:
  explicit MeasuringResource(std::vector<std::byte>& scratch) : scratch_(scratch) {}
  std::size_t bytes() const { return offset_; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    offset_ = AlignUp(offset_, alignment);
    void* p = nullptr;
    if (offset_ + bytes <= scratch_.size()) {
      p = scratch_.data() + offset_;
    } else {
      p = HeapAllocate(bytes, alignment);
      overflow_.push_back({p, alignment});
    }
    offset_ += bytes;
    return p;
  }
  void do_deallocate(void* p, std::size_t, std::size_t) override {
    auto it = std::find_if(overflow_.begin(), overflow_.end(), [&](const auto& block) { return block.first == p; });
    if (it != overflow_.end()) {
      HeapFree(p, it->second);
      overflow_.erase(it);
    }
  }
  bool do_is_equal(const json::memory_resource& other) const noexcept override { return this == &other; }

  std::vector<std::byte>& scratch_;
  std::size_t offset_ = 0;
  std::vector<std::pair<void*, std::size_t>> overflow_;  // blocks that did not fit the scratch
};

// One exactly-sized block. Until Seal it bump-allocates (single-threaded, during the copy);
// after Seal its state is read-only: allocations go to the heap and frees of heap blocks
// return there, frees of arena blocks do nothing. Hence safe to share between threads.
class SealedArena final : public json::memory_resource {
 public:
  // Boost.JSON's shared-resource wrapper holds the arena as a member it does not expose, so
  // the constructor reports where it lives, for Seal.
  SealedArena(std::size_t bytes, SealedArena*& self)
      : buffer_(static_cast<std::byte*>(::operator new(std::max<std::size_t>(bytes, 1)))), size_(bytes) {
    self = this;
  }
  ~SealedArena() override { ::operator delete(buffer_); }
  SealedArena(const SealedArena&) = delete;
  SealedArena& operator=(const SealedArena&) = delete;

  void Seal() { sealed_ = true; }

 private:
  bool Owns(const void* p) const {
    auto address = reinterpret_cast<std::uintptr_t>(p);
    auto begin = reinterpret_cast<std::uintptr_t>(buffer_);
    return address >= begin && address < begin + size_;
  }
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    if (!sealed_) {
      std::size_t start = AlignUp(used_, alignment);
      // Cannot fail when the measuring pass was right; the heap keeps it correct if not.
      if (start + bytes <= size_ && alignment <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
        used_ = start + bytes;
        return buffer_ + start;
      }
    }
    return HeapAllocate(bytes, alignment);
  }
  void do_deallocate(void* p, std::size_t, std::size_t alignment) override {
    if (!Owns(p)) HeapFree(p, alignment);
  }
  bool do_is_equal(const json::memory_resource& other) const noexcept override { return this == &other; }

  std::byte* const buffer_;
  const std::size_t size_;
  std::size_t used_ = 0;
  bool sealed_ = false;
};

json::value CopyValue(const json::value& source, const json::storage_ptr& sp);

json::object CopyObject(const json::object& source, const json::storage_ptr& sp, bool strip_managed_fields) {
  json::object out(sp);
  out.reserve(source.size());
  for (const auto& [key, value] : source) {
    if (strip_managed_fields && key == "managedFields") continue;
    out.emplace(key, CopyValue(value, sp));
  }
  return out;
}

json::value CopyValue(const json::value& source, const json::storage_ptr& sp) {
  switch (source.kind()) {
    case json::kind::object:
      return CopyObject(source.get_object(), sp, false);
    case json::kind::array: {
      json::array out(sp);
      out.reserve(source.get_array().size());
      for (const auto& item : source.get_array()) out.push_back(CopyValue(item, sp));
      return out;
    }
    default:
      return json::value(source, sp);
  }
}

json::object CopyTopLevel(const json::object& source, const json::storage_ptr& sp) {
  json::object out(sp);
  out.reserve(source.size());
  for (const auto& [key, value] : source) {
    if (key == "metadata" && value.is_object()) {
      out.emplace(key, CopyObject(value.get_object(), sp, true));
    } else {
      out.emplace(key, CopyValue(value, sp));
    }
  }
  return out;
}

struct CompactHolder {
  json::storage_ptr storage;
  json::object object;
};

}  // namespace

std::shared_ptr<const json::object> MakeCompactObject(const json::object& source) {
  thread_local std::vector<std::byte> scratch(64 * 1024);
  std::size_t bytes = 0;
  {
    MeasuringResource measuring(scratch);
    json::object measured = CopyTopLevel(source, json::storage_ptr(&measuring));
    bytes = measuring.bytes();
  }
  if (bytes > scratch.size()) scratch.resize(std::min<std::size_t>(bytes * 2, 64u << 20));  // next time
  SealedArena* arena = nullptr;
  auto storage = json::make_shared_resource<SealedArena>(bytes, arena);
  auto holder = std::make_shared<CompactHolder>(CompactHolder{storage, CopyTopLevel(source, storage)});
  arena->Seal();
  return std::shared_ptr<const json::object>(holder, &holder->object);
}

std::string CompactJsonText(const json::object& source) {
  const auto* metadata = source.if_contains("metadata");
  if (metadata == nullptr || !metadata->is_object() || !metadata->get_object().contains("managedFields")) {
    return json::serialize(source);
  }
  json::object trimmed_metadata;
  trimmed_metadata.reserve(metadata->get_object().size());
  for (const auto& [key, value] : metadata->get_object()) {
    if (key != "managedFields") trimmed_metadata.emplace(key, value);
  }
  std::string out = "{";
  for (const auto& [key, value] : source) {
    if (out.size() > 1) out += ',';
    out += json::serialize(json::string(key));
    out += ':';
    out += key == "metadata" ? json::serialize(trimmed_metadata) : json::serialize(value);
  }
  out += '}';
  return out;
}

}  // namespace airunway::kube
