#pragma once

#include <optional>

#include "store.hpp"

namespace ioc {

/// A child is fresh while it has called within this time (three heartbeats), stale after, and
/// unreachable once silent for kUnreachableMs or if it never called.
inline constexpr TimeMs kFreshMs = 15'000;
inline constexpr TimeMs kUnreachableMs = 300'000;

/// The record for `peer` among `links`, if it ever called.
std::optional<LinkRecord> find_link(const std::vector<LinkRecord>& links, const std::string& peer);

/// The freshness of one child, from the record of its last contact (none if it never called) and
/// the ranges reported lost through it (`lost`: every range the store holds, with the child that
/// reported it).
ChildStatus child_status(const std::string& child, const std::optional<LinkRecord>& link,
                         TimeMs now,
                         const std::vector<std::pair<LostRange, std::string>>& lost = {});

/// Prometheus series for each child of `node` (docs/operations.md): ioc_child_state (0 fresh,
/// 1 stale, 2 unreachable), ioc_child_lag_seconds, ioc_child_backlog and
/// ioc_child_last_sync_timestamp_seconds; a child that never called has only its state.
std::string child_metrics(const std::string& node, const std::vector<std::string>& children,
                          const std::vector<LinkRecord>& links, TimeMs now);

}  // namespace ioc
