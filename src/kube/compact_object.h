// Compact immutable objects for the informer caches.
//
// A cached Kubernetes object is read often and never changed, so it is worth storing tightly:
// MakeCompactObject deep-copies an object into ONE exactly-sized arena (one allocation for
// every string, array and key of the object, instead of one heap block each), leaving out
// metadata.managedFields. Boost.JSON's DOM with the default allocator holds about 5x the JSON
// text; most of the difference is allocator headers and rounding, which the arena removes.
//
// The arena is sized by a first, measuring pass into thread-local scratch memory, then the
// object is built again into an arena of exactly that size; both passes run the same copy code,
// so they ask for the same blocks in the same order.
//
// What a reader sees is an ordinary `std::shared_ptr<const boost::json::object>`. Copies of it
// (json::object copy = *ptr) share its memory resource, as Boost.JSON copies do: once the arena
// is sealed, such later allocations go to the global heap and their frees return there, so a
// copy may be made and changed from any thread; the arena only ever frees as a whole, when the
// object and every copy made from it are gone.
//
// Thread-safety: MakeCompactObject is safe from any thread (its scratch memory is thread-local);
// the result is immutable and safe to share.
#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <string>

namespace airunway::kube {

// A compact copy of `source` without metadata.managedFields.
std::shared_ptr<const boost::json::object> MakeCompactObject(const boost::json::object& source);

// `source` serialised without metadata.managedFields: the smallest form of an object, for
// caches that keep text and parse on read (InformerOptions::storage).
std::string CompactJsonText(const boost::json::object& source);

}  // namespace airunway::kube
