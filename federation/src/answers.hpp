#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ioc::federation {

/// The highest contiguous seq a receiver holds, per origin and epoch. An origin may have more than
/// one epoch in flight (a node restored from a backup drains its old epoch beside its new one).
using Acked = std::map<std::string, std::map<std::string, std::int64_t>>;

/// What a parent answers its child, in wire form and back. The child parses strictly (a depth
/// limit while parsing, every field typed) and only after the answer's signature has verified
/// (peer_client.cpp); each parser throws Error(kBadRequest) naming what is wrong.

/// POST events: {"acked": {ORIGIN: [{"epoch", "seq"}, ...]}}.
std::string acked_to_json(const Acked& acked);
Acked parse_acked(std::string_view text);

/// GET hello, as far as a child acts on it.
struct Hello {
  std::vector<std::string> protocol_versions;
  std::string policy_version;
  /// What the parent holds of the caller's own log, per epoch: how a node whose store lost its
  /// end learns it.
  std::map<std::string, std::int64_t> holds;
};
Hello parse_hello(std::string_view text);

/// GET events (the long-poll): {"events": [{"seq", "type", "ts", "body"}], "next"}.
struct DownEntry {
  std::int64_t seq = 0;
  std::string type;
  nlohmann::json body;
};
struct DownPage {
  std::vector<DownEntry> entries;  ///< seqs strictly increasing, all after the one asked after
};
DownPage parse_down_page(std::string_view text, std::int64_t after);

}  // namespace ioc::federation
