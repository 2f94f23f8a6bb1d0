#include "child_watch.hpp"

#include <iostream>

#include "alert_service.hpp"
#include "cap_xml.hpp"
#include "crypto_util.hpp"
#include "link_status.hpp"

namespace ioc::federation {

using nlohmann::json;

namespace {

std::string note_key(const std::string& child) {
  return "watch:" + child;
}

std::string describe(const std::string& child, const ChildStatus& s, TimeMs now) {
  std::string text = child + " is " + std::string(to_string(s.state));
  if (s.last_sync)
    text += ": last synced " + std::to_string((now - *s.last_sync) / 1000) + " s ago";
  else
    text += ": it has not called";
  return text;
}

}  // namespace

ChildWatch::ChildWatch(FederationContext& ctx) : ctx_(ctx) {
  for (const auto& child : ctx_.federation()->children(ctx_.node_id)) {
    const std::string kept = ctx_.store.note(note_key(child));
    if (kept.empty()) continue;
    const json j = json::parse(kept, nullptr, false);
    if (!j.is_object()) continue;
    Watched w;
    w.state = parse_freshness(j.value("state", "")).value_or(Freshness::kUnreachable);
    w.alert = j.value("alert", "");
    children_[child] = w;
  }
}

void ChildWatch::run_once() {
  const auto fed = ctx_.federation();
  const auto links = ctx_.store.links();
  const TimeMs now = ctx_.clock.now();
  for (const auto& child : fed->children(ctx_.node_id)) {
    const ChildStatus status = child_status(child, find_link(links, child), now);
    auto found = children_.find(child);
    // A child never seen fresh raises nothing: it may simply not have started yet.
    if (found == children_.end()) {
      if (status.state == Freshness::kFresh) changed(child, status, children_[child]);
      continue;
    }
    if (found->second.state != status.state) changed(child, status, found->second);
  }
}

void ChildWatch::changed(const std::string& child, const ChildStatus& now, Watched& was) {
  const TimeMs at = ctx_.clock.now();
  const std::string text = describe(child, now, at);
  // Fresh with nothing raised (a child seen for the first time): only remembered.
  const bool quiet = now.state == Freshness::kFresh && was.alert.empty();
  ctx_.writes.run([&](WriteContext& w) {
    const auto earlier = was.alert.empty() ? std::nullopt : w.writer.alert(was.alert);
    std::string alert_id;
    if (now.state != Freshness::kFresh || (earlier && earlier->active)) {
      Alert a;
      a.identifier = "ioc-" + crypto::random_hex(10);
      a.sender = ctx_.node_id;
      a.sent = at;
      a.onset = at;
      a.scope = "Restricted";  // for the operators, not the public feed
      a.category = "Infra";
      a.urgency = "Immediate";
      a.certainty = "Observed";
      a.event = "Federation link";
      a.headline = text;
      a.description = "The operations centre " + child +
                      " is not sending its data; what it reports is held there until it "
                      "returns.";
      a.area = child;
      a.severity = now.state == Freshness::kUnreachable ? Severity::kSevere : Severity::kModerate;
      if (earlier && earlier->active) {
        a.msg_type = now.state == Freshness::kFresh ? CapMsgType::kCancel : CapMsgType::kUpdate;
        a.references = {cap_reference(*earlier)};
        if (a.msg_type == CapMsgType::kCancel) {
          a.severity = earlier->severity;
          a.description = child + " is sending its data again.";
        }
      }
      a.active = a.msg_type != CapMsgType::kCancel;
      record_alert(ctx_, w, a, earlier && earlier->active ? earlier->identifier : "");
      if (a.active) alert_id = a.identifier;
    }
    w.writer.set_note(note_key(child),
                      json{{"state", to_string(now.state)}, {"alert", alert_id}}.dump());
    if (!quiet)
      publish_after_commit(ctx_, w, "notice",
                           json{{"node", child}, {"state", to_string(now.state)}, {"text", text}});
    was = Watched{now.state, alert_id};
  });
  if (!quiet) std::cerr << "iocd: federation: " << text << std::endl;
}

}  // namespace ioc::federation
