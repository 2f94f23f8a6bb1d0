#include "alert_service.hpp"

#include "alert_request.hpp"
#include "cap_xml.hpp"
#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "json_codec.hpp"

namespace ioc {

std::int64_t record_alert(NodeContext& ctx, WriteContext& w, const Alert& alert,
                          const std::string& replaces) {
  if (!replaces.empty()) w.writer.deactivate_alert(replaces);
  w.writer.insert_alert(alert);
  const codec::json body = codec::to_json(alert);
  const std::int64_t seq = w.writer.append_event("alert", alert.sent, body.dump());
  publish_after_commit(ctx, w, "alert", body);
  if (ctx.alert_recorded) ctx.alert_recorded(w, alert);
  return seq;
}

namespace {

// The alert an Update or Cancel changes: held here, issued by this node, still in force.
Alert changed_alert(const Alert& earlier, const std::string& node_id) {
  if (earlier.sender != node_id)
    throw Error(ErrorCode::kForbidden,
                "alert '" + earlier.identifier + "' was issued by '" + earlier.sender +
                    "': a node updates or cancels only its own alerts",
                "references");
  if (!earlier.active)
    throw Error(ErrorCode::kConflict,
                "alert '" + earlier.identifier + "' is no longer in force (updated or cancelled)",
                "references");
  return earlier;
}

}  // namespace

void AlertService::publish(const Actor& actor, const nlohmann::json& body, Completion<Alert> done) {
  const TimeMs now = ctx_.clock.now() / 1000 * 1000;  // CAP times have whole seconds
  const CapMsgType type = requested_msg_type(body);
  std::optional<Alert> earlier;
  nlohmann::json request = body;
  if (type != CapMsgType::kAlert) {
    const auto ref = body.find("references");
    if (ref == body.end() || !ref->is_string() || ref->get<std::string>().empty())
      throw Error(ErrorCode::kBadRequest,
                  "references: an " + std::string(to_string(type)) +
                      " names the identifier of the alert it changes",
                  "references");
    earlier = ctx_.store.alert(ref->get<std::string>());
    if (!earlier)
      throw Error(ErrorCode::kNotFound, "references: no alert '" + ref->get<std::string>() + "'",
                  "references");
    changed_alert(*earlier, ctx_.node_id);
    request = request_fields(*earlier);
    request.update(body);
  } else if (body.contains("references")) {
    throw Error(ErrorCode::kBadRequest, "references: an Alert references nothing; use Update",
                "references");
  }
  Alert alert = alert_from_request(request, now);

  const auto fed = ctx_.federation();
  const std::vector<std::string> covered =
      alert.areas.empty() ? std::vector<std::string>{ctx_.node_id} : alert.areas;
  for (std::size_t i = 0; i < covered.size(); ++i) {
    const std::string field = "areas[" + std::to_string(i) + "]";
    if (!fed->find(covered[i]))
      throw Error(ErrorCode::kBadRequest, field + ": unknown node '" + covered[i] + "'", field);
    if (!fed->in_subtree(covered[i], ctx_.node_id))
      throw Error(ErrorCode::kForbidden,
                  field + ": '" + covered[i] + "' is not '" + ctx_.node_id +
                      "' or below it: a node warns only its own subtree",
                  field);
    const Decision d = ctx_.authorizer.decide(AuthzRequest{
        actor, OperatorAction::kPublishAlert, *alert.domain, covered[i], alert.severity, now});
    if (!d.allowed)
      throw Error(ErrorCode::kForbidden,
                  "not allowed to publish an alert for '" + covered[i] + "': " + d.reason,
                  d.field.empty() ? field : d.field);
  }
  alert.area = covered.front();
  if (alert.areas.size() == 1) alert.areas.clear();
  alert.identifier = "ioc-" + crypto::random_hex(10);
  alert.sender = ctx_.node_id;
  alert.sent = now;
  alert.active = type != CapMsgType::kCancel;
  if (earlier) alert.references = {cap_reference(*earlier)};

  ctx_.writes.submit_for<Alert>(
      [this, alert, earlier](WriteContext& w) {
        std::string replaces;
        if (earlier) {  // decided again in the one writer: two Cancels of one alert race here
          const auto held = w.writer.alert(earlier->identifier);
          replaces = changed_alert(held.value_or(*earlier), ctx_.node_id).identifier;
        }
        record_alert(ctx_, w, alert, replaces);
        w.after_commit.push_back([this, type = alert.msg_type] {
          if (type == CapMsgType::kCancel)
            ctx_.metrics.alerts_cancelled++;
          else
            ctx_.metrics.alerts_raised++;
        });
        return alert;
      },
      std::move(done));
}

}  // namespace ioc
