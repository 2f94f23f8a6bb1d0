#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "ioc/federation/node_keys.hpp"
#include "ioc/federation/policy.hpp"

namespace ioc::federation {

/// A runtime grant or revocation, or the root's policy set, as it travels the tree, signed by the
/// node that issued it: {"kind": "grant"|"revocation"|"policy-set", "issuer", "body",
/// "signature"}. A grant's body has the keys of a grant in an Authority file; a revocation's is
/// {"id", "grant", "at", "reason"}; a policy set's {"id", "version", "files": [{"path", "text"}]}
/// with paths relative to the federation file. The signature
/// is standard base64 of Ed25519 over "IOC1-POLICY\nKIND\nISSUER\n" + the body as compact JSON
/// with sorted keys, so any node can check it offline with the issuer's listed public key.
struct PolicyUpdate {
  std::string kind;
  std::string issuer;
  nlohmann::json body;
  std::string signature;

  /// The grant's id, or the revocation's own id.
  std::string id() const { return body.value("id", ""); }
  nlohmann::json to_json() const;
  /// Parses the wire form; throws Error(kBadRequest) naming the field.
  static PolicyUpdate from_json(const nlohmann::json& j);
};

PolicyUpdate sign_update(const PrivateKey& key, std::string kind, std::string issuer,
                         nlohmann::json body);
/// Throws Error(kForbidden) unless the signature is the issuer's, by a key the federation lists.
void verify_update(const FederationConfig& federation, const PolicyUpdate& update);

/// A grant in its Authority-file form and back. Parsing is strict: unknown keys, wrong types,
/// unknown nodes and bad values throw Error(kBadRequest) naming the key.
nlohmann::json grant_to_json(const policy::Grant& g);
policy::Grant grant_from_json(const nlohmann::json& j, const FederationConfig& federation,
                              const std::string& issuer);

}  // namespace ioc::federation
