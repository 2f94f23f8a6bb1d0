#include "token_service.hpp"

#include "crypto_util.hpp"

namespace ioc {

std::string TokenService::issue(Store& store, Role role, const std::string& name,
                                std::optional<TimeMs> expires, TimeMs now) {
  const std::string token = "ioc_" + crypto::random_base64url(32);
  TokenRecord rec;
  rec.name = name;
  rec.role = role;
  rec.hash = crypto::sha256_hex(token);
  rec.created = now;
  rec.expires = expires;
  store.write([&](Store::Writer& w) { w.insert_token(rec); });
  return token;
}

std::optional<Actor> TokenService::authenticate(const std::string& token, TimeMs now) {
  if (token.size() < 8 || token.size() > 128) return std::nullopt;
  const std::string hash = crypto::sha256_hex(token);
  std::optional<TokenRecord> rec;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.fetched < kCacheMs) {
      rec = it->second.record;
    } else {
      rec = store_.token_by_hash(hash);
      if (cache_.size() > 10'000) cache_.clear();  // bounds memory under a flood of wrong tokens
      cache_[hash] = Cached{rec, now};
    }
  }
  if (!rec || rec->revoked || (rec->expires && *rec->expires <= now)) return std::nullopt;
  return Actor{rec->name, rec->role, node_id_};
}

std::string TokenService::ended(const std::string& token, TimeMs now) const {
  const auto rec = store_.token_by_hash(crypto::sha256_hex(token));
  if (!rec) return "token unknown";
  if (rec->revoked) return "token revoked";
  if (rec->expires && *rec->expires <= now) return "token expired";
  return {};
}

}  // namespace ioc
