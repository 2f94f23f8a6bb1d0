#include "ioc/federation/request_signing.hpp"

#include <cstdlib>

#include "crypto_util.hpp"

namespace ioc::federation {
namespace {

/// "YYYY-MM-DDTHH:MM:SSZ"
std::string signing_date(TimeMs t) {
  return format_rfc3339(t).substr(0, 19) + "Z";
}

}  // namespace

std::string signing_string(std::string_view method, std::string_view target, std::string_view date,
                           std::string_view nonce, std::string_view caller,
                           std::string_view receiver, std::string_view body) {
  std::string s(kSignatureScheme);
  for (const std::string_view part : {method, target, date, nonce, caller, receiver}) {
    s += '\n';
    s += part;
  }
  return s + '\n' + crypto::sha256_hex(body);
}

std::map<std::string, std::string> sign_request(const PrivateKey& key, const std::string& node,
                                                const std::string& receiver,
                                                std::string_view method, std::string_view target,
                                                std::string_view body, TimeMs now) {
  const std::string date = signing_date(now);
  const std::string nonce = crypto::random_base64url(32);
  return {{"IOC-Node", node},
          {"IOC-To", receiver},
          {"IOC-Date", date},
          {"IOC-Nonce", nonce},
          {"IOC-Signature", crypto::base64_encode(key.sign(signing_string(
                                method, target, date, nonce, node, receiver, body)))}};
}

std::string answer_signing_string(int status, std::string_view nonce, std::string_view caller,
                                  std::string_view body) {
  return std::string(kAnswerScheme) + '\n' + std::to_string(status) + '\n' + std::string(nonce) +
         '\n' + std::string(caller) + '\n' + crypto::sha256_hex(body);
}

std::map<std::string, std::string> sign_answer(const PrivateKey& key, const std::string& node,
                                               int status, std::string_view nonce,
                                               std::string_view caller, std::string_view body) {
  return {{"IOC-Node", node},
          {"IOC-Signature",
           crypto::base64_encode(key.sign(answer_signing_string(status, nonce, caller, body)))}};
}

std::string verify_answer(const PeerKeys& keys, const std::string& peer, int status,
                          const HeaderLookup& header, std::string_view nonce,
                          std::string_view caller, std::string_view body) {
  const std::string node = header("ioc-node"), signature = header("ioc-signature");
  if (node.empty() || signature.empty())
    return "the answer is not signed (no IOC-Node or IOC-Signature header)";
  if (node != peer) return "the answer is signed as another node, not as '" + peer + "'";
  const auto listed = keys.find(peer);
  const auto sig = crypto::base64_decode(signature, false);
  if (listed != keys.end() && sig && sig->size() == 64) {
    const std::string text = answer_signing_string(status, nonce, caller, body);
    for (const auto& key : listed->second)
      if (key.verify(text, *sig)) return {};
  }
  return "bad answer signature: not made by a key listed for '" + peer +
         "' over this status, call and body";
}

RequestVerifier::RequestVerifier(const FederationConfig& federation, std::string self,
                                 NonceCache& nonces)
    : keys_(load_keys(federation)), self_(std::move(self)), nonces_(nonces) {}

std::shared_ptr<const RequestVerifier::Keys> RequestVerifier::load_keys(
    const FederationConfig& federation) {
  auto out = std::make_shared<Keys>();
  for (const auto& n : federation.nodes) {
    auto& keys = (*out)[n.id];
    for (const auto& file : n.public_keys) keys.push_back(PublicKey::load(file));
  }
  return out;
}

void RequestVerifier::set_keys(std::shared_ptr<const Keys> keys) {
  std::lock_guard lock(mutex_);
  keys_ = std::move(keys);
}

std::shared_ptr<const RequestVerifier::Keys> RequestVerifier::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

RequestVerifier::~RequestVerifier() = default;

Verification RequestVerifier::verify(std::string_view method, std::string_view target,
                                     const HeaderLookup& header, std::string_view body,
                                     TimeMs now) const {
  const auto refuse = [](std::string node, std::string reason) {
    return Verification{false, std::move(node), std::move(reason)};
  };
  const std::string node = header("ioc-node"), receiver = header("ioc-to"),
                    date = header("ioc-date"), nonce = header("ioc-nonce"),
                    signature = header("ioc-signature");
  for (const auto& [name, value] : {std::pair{"IOC-Node", &node},
                                    {"IOC-To", &receiver},
                                    {"IOC-Date", &date},
                                    {"IOC-Nonce", &nonce},
                                    {"IOC-Signature", &signature}})
    if (value->empty())
      return refuse(node, std::string("unsigned request: no ") + name + " header");
  if (receiver != self_)
    return refuse(
        node, "misdirected call: it was made for '" + receiver + "', this node is '" + self_ + "'");
  const std::shared_ptr<const Keys> known = keys();
  const auto keys = known->find(node);
  if (keys == known->end()) return refuse(node, "unknown node '" + node + "'");

  const auto when = date.size() == 20 && date.back() == 'Z' ? parse_rfc3339(date) : std::nullopt;
  if (!when) return refuse(node, "IOC-Date must read YYYY-MM-DDTHH:MM:SSZ, got '" + date + "'");
  const TimeMs skew = std::llabs(now - *when);
  if (skew > kMaxClockSkewMs)
    return refuse(node, "stale request: IOC-Date is " + std::to_string(skew / 1000) +
                            " s from this node's clock (limit " +
                            std::to_string(kMaxClockSkewMs / 1000) + " s)");
  const auto nonce_bytes = crypto::base64_decode(nonce, true);
  if (!nonce_bytes || nonce_bytes->size() < 16 || nonce_bytes->size() > 64)
    return refuse(node, "IOC-Nonce must be 16 to 64 random bytes in base64url without padding");
  const auto sig = crypto::base64_decode(signature, false);
  if (!sig || sig->size() != 64)
    return refuse(node, "IOC-Signature must be a padded base64 Ed25519 signature");

  const std::string signed_text = signing_string(method, target, date, nonce, node, self_, body);
  bool valid = false;
  for (const auto& key : keys->second) valid = valid || key.verify(signed_text, *sig);
  if (!valid)
    return refuse(node,
                  "bad signature: not made by a key listed for '" + node + "' over this request");
  // Only a verified request may take a nonce, so forgeries cannot poison the cache.
  if (!nonces_.remember(node, nonce, now))
    return refuse(node, "replayed request: nonce already seen");
  return Verification{true, node, ""};
}

}  // namespace ioc::federation
