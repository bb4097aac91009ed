// What built this library: for provenance in every output and for refusing
// checkpoints from another version.
#pragma once

namespace focalrd {

// The release, e.g. "0.2.0".
const char* version();
// The git commit of the source it was built from ("3dfcb74a1b2c"), with
// "+dirty" when src/, include/ or the build files differed from it, and
// "unknown" outside a git checkout.
const char* git_commit();

}  // namespace focalrd
