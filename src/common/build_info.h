// BuildInfo: the version, git commit and build time baked into the binary at build time
// (cmake/build_info.cmake generates the definition). Served by `airunway version` and
// GET /api/health/version.
//
// Thread-safety: immutable.
#pragma once

#include <string>

namespace airunway::common {

struct BuildInfo {
  std::string version;
  std::string git_commit;
  std::string build_time;  // RFC 3339 with milliseconds and Z
};

const BuildInfo& GetBuildInfo();

}  // namespace airunway::common
