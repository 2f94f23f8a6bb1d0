#pragma once

// Headers of a federation call as a peer signs it, for tests that call iocd as a (hostile or
// honest) node.
#include <map>
#include <string>

#include "ioc/federation/node_keys.hpp"
#include "ioc/federation/request_signing.hpp"

namespace ioc::test {

/// A call by `caller`, signed with its key from `keys_dir` (iocctl keys generate's layout), made
/// for `receiver`, speaking this build's protocol version.
inline std::map<std::string, std::string> signed_headers(
    const std::string& keys_dir, const std::string& caller, const std::string& receiver,
    const std::string& method, const std::string& target, const std::string& body = "",
    TimeMs at = SystemClock().now()) {
  const auto key =
      federation::PrivateKey::load(keys_dir + "/" + federation::key_file_stem(caller) + ".key");
  auto headers = federation::sign_request(key, caller, receiver, method, target, body, at);
  headers["IOC-Protocol"] = federation::kProtocolVersion;
  return headers;
}

}  // namespace ioc::test
