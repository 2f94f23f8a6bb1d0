#include "event_batch.hpp"

#include "ioc/error.hpp"
#include "ioc/summary.hpp"
#include "json_codec.hpp"

namespace ioc::federation {

using nlohmann::json;

namespace {

[[noreturn]] void reject(std::size_t i, const char* field, const std::string& what) {
  const std::string where =
      "events[" + std::to_string(i) + "]" + (*field ? std::string(".") + field : "");
  throw Error(ErrorCode::kBadRequest, where + " " + what, where);
}

std::string text_field(const json& e, const char* key, std::size_t i) {
  const auto it = e.find(key);
  if (it == e.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    reject(i, key, "must be a non-empty string");
  if (it->get_ref<const std::string&>().size() > 256) reject(i, key, "is longer than 256 bytes");
  return *it;
}

}  // namespace

EventBatch parse_event_batch(std::string_view text) {
  json doc = codec::parse_external(text);
  if (!doc.is_object() || !doc.contains("events") || !doc["events"].is_array())
    throw Error(ErrorCode::kBadRequest, "body must be {\"events\": [...]}", "events");
  auto& events = doc["events"];
  if (events.size() > kMaxEventsPerBatch)
    throw Error(ErrorCode::kPayloadTooLarge,
                "more than " + std::to_string(kMaxEventsPerBatch) + " events in one batch",
                "events");
  EventBatch batch;
  if (const auto b = doc.find("backlog"); b != doc.end()) {
    if (!b->is_number_integer() || b->get<std::int64_t>() < 0)
      throw Error(ErrorCode::kBadRequest, "backlog must be a whole number", "backlog");
    batch.backlog = *b;
  }
  if (const auto v = doc.find("policyVersion"); v != doc.end()) {
    if (!v->is_string() || v->get_ref<const std::string&>().size() > 64)
      throw Error(ErrorCode::kBadRequest, "policyVersion must be a short string", "policyVersion");
    batch.policy_version = *v;
  }
  if (const auto s = doc.find("subtree"); s != doc.end()) {
    if (!s->is_array() || s->size() > kMaxSubtreeNodes)
      throw Error(
          ErrorCode::kBadRequest,
          "subtree must be a list of at most " + std::to_string(kMaxSubtreeNodes) + " nodes",
          "subtree");
    for (std::size_t i = 0; i < s->size(); ++i) {
      const json& n = (*s)[i];
      const std::string at = "subtree[" + std::to_string(i) + "]";
      const std::string state = n.is_object() ? n.value("state", "") : "";
      if (!n.is_object() || !n.contains("node") || !n["node"].is_string() ||
          n["node"].get_ref<const std::string&>().size() > 256 || !parse_freshness(state) ||
          (n.contains("lastSync") && !n["lastSync"].is_string() && !n["lastSync"].is_null()) ||
          (n.contains("lagSeconds") && !n["lagSeconds"].is_number() && !n["lagSeconds"].is_null()))
        throw Error(ErrorCode::kBadRequest,
                    at + " is {node, state: fresh|stale|unreachable, lastSync, lagSeconds}", at);
    }
    batch.subtree = std::move(*s);
  }
  for (std::size_t i = 0; i < events.size(); ++i) {
    json& e = events[i];
    if (!e.is_object()) reject(i, "", "must be an object");
    WireEvent w;
    w.origin = text_field(e, "origin", i);
    w.epoch = text_field(e, "epoch", i);
    w.type = text_field(e, "type", i);
    const auto seq = e.find("seq");
    if (seq == e.end() || !seq->is_number_integer() || seq->get<std::int64_t>() < 1)
      reject(i, "seq", "must be a positive integer");
    w.seq = *seq;
    const auto ts = e.find("ts");
    const auto t = ts != e.end() && ts->is_string()
                       ? parse_rfc3339(ts->get_ref<const std::string&>())
                       : std::nullopt;
    if (!t) reject(i, "ts", "must be an RFC 3339 time");
    w.ts = *t;
    const auto body = e.find("body");
    if (body == e.end() || !body->is_object()) reject(i, "body", "must be an object");
    w.body = std::move(*body);  // the document is ours: no copy
    batch.events.push_back(std::move(w));
  }
  return batch;
}

}  // namespace ioc::federation
