// What this swerl is: its version and the git revision it was built from,
// as recorded in shard manifests (schemas/manifest.md).
#pragma once

namespace swerl::tools {

// PROJECT_VERSION of CMakeLists.txt: "0.1.0".
const char* SwerlVersion();

// `git describe --always --dirty --abbrev=12` of the source tree when the
// build was configured ("" outside a git checkout). CMake reruns it at each
// configure, not at each build: reconfigure before a build whose shards
// must name the exact revision.
const char* SwerlGitRevision();

}  // namespace swerl::tools
