// Reading a JSON request body the one way every handler should: the Content-Type must say
// JSON (application/json or application/<x>+json), and a body that does not parse is a 400
// saying where it broke.
//
// Thread-safety: a pure function.
#pragma once

#include <boost/json/value.hpp>

#include "common/result.h"
#include "http/message.h"

namespace airunway::http {

common::Result<boost::json::value> ParseJsonBody(const Request& request);

}  // namespace airunway::http
