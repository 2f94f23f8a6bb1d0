#pragma once

// What every node serves without a token (docs/api.md, "Public alerts"): its alerts of scope
// Public as an Atom feed of CAP 1.2 entries, and each as CAP XML, for citizen apps and public
// alert aggregators.
#include <string>
#include <vector>

#include "ioc/model.hpp"

namespace ioc {

class ApiRouter;
struct NodeContext;

/// At most this many entries, newest first, and no more than kPublicFeedMaxBytes of them.
inline constexpr int kPublicFeedEntries = 50;
inline constexpr std::size_t kPublicFeedMaxBytes = 1 << 20;

/// The Atom feed (RFC 4287) of `alerts` (newest first), each entry's content the CAP <alert>.
std::string atom_feed(const std::string& node_id, const std::vector<Alert>& alerts);

/// GET /public/v1/alerts.atom and GET /public/v1/alerts/{id}.xml, with ETag and Cache-Control;
/// If-None-Match answers 304.
void add_public_routes(ApiRouter& router, NodeContext& ctx);

}  // namespace ioc
