#include "metrics.hpp"

namespace ioc {
namespace {

void emit(std::string& out, const char* name, const char* type, const char* help,
          const std::string& labels, std::int64_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  out += std::string(name) + "{" + labels + "} " + std::to_string(value) + "\n";
}

}  // namespace

std::string Metrics::render(const std::string& node) const {
  const std::string l = "node=\"" + node + "\"";
  std::string out;
  const auto c = [](const std::atomic<std::uint64_t>& a) {
    return static_cast<std::int64_t>(a.load());
  };
  emit(out, "ioc_observations_ingested_total", "counter", "Observations durably committed.", l,
       c(observations_ingested));
  emit(out, "ioc_ingest_batches_total", "counter", "Observation batches committed.", l,
       c(ingest_batches));
  emit(out, "ioc_ingest_rejected_total", "counter", "Observation batches rejected.", l,
       c(ingest_rejected));
  emit(out, "ioc_alerts_raised_total", "counter", "CAP alerts raised (by rules and operators).", l,
       c(alerts_raised));
  emit(out, "ioc_alerts_cancelled_total", "counter",
       "CAP alerts cancelled (by rules and operators).", l, c(alerts_cancelled));
  emit(out, "ioc_incidents_opened_total", "counter", "Incidents reported on this node.", l,
       c(incidents_opened));
  emit(out, "ioc_incident_actions_total", "counter", "Incident actions applied.", l,
       c(incident_actions));
  emit(out, "ioc_service_requests_total", "counter", "Open311 service requests received.", l,
       c(service_requests));
  emit(out, "ioc_auth_failures_total", "counter", "Requests refused with 401 or 403.", l,
       c(auth_failures));
  emit(out, "ioc_federation_events_received_total", "counter", "Events received from child nodes.",
       l, c(events_received));
  emit(out, "ioc_federation_events_sent_total", "counter", "Events acknowledged by the parent.", l,
       c(events_sent));
  emit(out, "ioc_federation_events_quarantined_total", "counter",
       "Received events set aside because they could not be applied.", l, c(events_quarantined));
  emit(out, "ioc_log_epoch_restarts_total", "counter",
       "New log epochs started because the parent held entries this node's store had lost.", l,
       c(epoch_restarts));
  emit(out, "ioc_open_connections", "gauge", "Open HTTP connections.", l, open_connections.load());
  emit(out, "ioc_stream_clients", "gauge", "Connected WebSocket stream clients.", l,
       stream_clients.load());
  emit(out, "ioc_event_log_seq", "gauge", "Highest sequence number in the event log.", l,
       event_log_seq.load());
  out += "# HELP ioc_http_responses_total HTTP responses by status class.\n";
  out += "# TYPE ioc_http_responses_total counter\n";
  for (std::size_t i = 1; i < responses.size(); ++i)
    out += "ioc_http_responses_total{" + l + ",code=\"" + std::to_string(i) + "xx\"} " +
           std::to_string(responses[i].load()) + "\n";
  out +=
      "# HELP ioc_thread_errors_total Failures caught at the edge of a node thread, which "
      "went on.\n";
  out += "# TYPE ioc_thread_errors_total counter\n";
  static const char* kThreads[kThreadKinds] = {"io", "writer", "uplink", "long-poll", "ticker"};
  for (std::size_t i = 0; i < kThreadKinds; ++i)
    out += "ioc_thread_errors_total{" + l + ",thread=\"" + kThreads[i] + "\"} " +
           std::to_string(thread_errors[i].load()) + "\n";
  return out;
}

std::string metric_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace ioc
