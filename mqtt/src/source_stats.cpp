#include "source_stats.hpp"

#include "metrics.hpp"

namespace ioc::mqtt {
namespace {

constexpr std::size_t kRecentBad = 20;
constexpr std::size_t kReasonBytes = 300;

std::string shortened(const std::string& text) {
  if (text.size() <= kReasonBytes) return text;
  std::string out = text.substr(0, kReasonBytes);
  // Not inside a UTF-8 character: drop continuation bytes and the lead byte they follow.
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  return out + "...";
}

}  // namespace

SourceStats::SourceStats(const SourceConnection& config, const Clock& clock)
    : config_(config),
      clock_(clock),
      since_(clock.now()),
      by_subscription_(config.subscriptions.size()) {}

void SourceStats::set_state(const std::string& state, const std::string& error) {
  std::lock_guard lock(mutex_);
  if (state != state_) since_ = clock_.now();
  state_ = state;
  error_ = error;
}

void SourceStats::count_reconnect() {
  std::lock_guard lock(mutex_);
  ++reconnects_;
}

SourceStats::Second& SourceStats::this_second() {
  const TimeMs second = clock_.now() / 1000;
  Second& s = seconds_[static_cast<std::size_t>(second % 10)];
  if (s.second != second) s = Second{second, 0, 0};
  return s;
}

void SourceStats::count_taken(std::size_t subscription, std::size_t messages, std::size_t rows,
                              std::size_t incidents) {
  std::lock_guard lock(mutex_);
  Counts& c = by_subscription_.at(subscription);
  c.messages += messages;
  c.rows += rows;
  c.incidents += incidents;
  Second& s = this_second();
  s.messages += messages;
  s.rows += rows;
  last_message_ = clock_.now();
}

void SourceStats::count_duplicates(std::size_t messages) {
  std::lock_guard lock(mutex_);
  duplicates_ += messages;
}

void SourceStats::count_bad(std::optional<std::size_t> subscription, const std::string& topic,
                            const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (subscription)
    ++by_subscription_.at(*subscription).bad;
  else
    ++unmatched_;
  ++this_second().messages;
  last_message_ = clock_.now();
  recent_bad_.push_front(Bad{clock_.now(), shortened(topic),
                             subscription ? config_.subscriptions[*subscription].topic : "",
                             shortened(reason)});
  if (recent_bad_.size() > kRecentBad) recent_bad_.pop_back();
}

nlohmann::json SourceStats::to_json() const {
  std::lock_guard lock(mutex_);
  const TimeMs now_second = clock_.now() / 1000;
  std::uint64_t messages = 0, rows = 0;
  for (const auto& s : seconds_)  // the ten whole seconds before this one
    if (s.second < now_second && s.second >= now_second - 10) {
      messages += s.messages;
      rows += s.rows;
    }
  nlohmann::json subs = nlohmann::json::array();
  std::uint64_t bad_total = unmatched_, messages_total = 0, rows_total = 0, incidents_total = 0;
  for (std::size_t i = 0; i < by_subscription_.size(); ++i) {
    const Counts& c = by_subscription_[i];
    const auto& s = config_.subscriptions[i];
    subs.push_back({{"topic", s.topic},
                    {"filter", s.filter},
                    {"format", s.format == SourceSubscription::Format::kSenml ? "senml" : "json"},
                    {"makes", s.incident ? "incidents" : "observations"},
                    {"messages", c.messages},
                    {"rows", c.rows},
                    {"incidents", c.incidents},
                    {"bad", c.bad}});
    bad_total += c.bad;
    messages_total += c.messages;
    rows_total += c.rows;
    incidents_total += c.incidents;
  }
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& b : recent_bad_)
    recent.push_back({{"at", format_rfc3339(b.at)},
                      {"topic", b.topic},
                      {"subscription",
                       b.subscription.empty() ? nlohmann::json() : nlohmann::json(b.subscription)},
                      {"reason", b.reason}});
  return {{"name", config_.name},
          {"broker", config_.broker},
          {"clientId", config_.client_id},
          {"state", state_},
          {"since", format_rfc3339(since_)},
          {"error", error_.empty() ? nlohmann::json() : nlohmann::json(error_)},
          {"lastMessage",
           last_message_ ? nlohmann::json(format_rfc3339(*last_message_)) : nlohmann::json()},
          {"messagesPerSecond", static_cast<double>(messages) / 10.0},
          {"rowsPerSecond", static_cast<double>(rows) / 10.0},
          {"messages", messages_total},
          {"rows", rows_total},
          {"incidents", incidents_total},
          {"bad", bad_total},
          {"unmatched", unmatched_},
          {"duplicates", duplicates_},
          {"reconnects", reconnects_},
          {"subscriptions", std::move(subs)},
          {"recentBad", std::move(recent)}};
}

void SourceStats::add_metrics(const std::string& node, Lines& lines) const {
  std::lock_guard lock(mutex_);
  const std::string base =
      "node=\"" + metric_label(node) + "\",source=\"" + metric_label(config_.name) + "\"";
  const std::string l = "{" + base + "} ";
  lines.up += "ioc_source_up" + l + (state_ == "up" ? "1" : "0") + "\n";
  lines.duplicates += "ioc_source_duplicates_total" + l + std::to_string(duplicates_) + "\n";
  lines.reconnects += "ioc_source_reconnects_total" + l + std::to_string(reconnects_) + "\n";
  if (last_message_)
    lines.last_message += "ioc_source_last_message_timestamp_seconds" + l +
                          std::to_string(*last_message_ / 1000) + "\n";
  for (std::size_t i = 0; i < by_subscription_.size(); ++i) {
    const std::string s =
        "{" + base + ",subscription=\"" + metric_label(config_.subscriptions[i].topic) + "\"} ";
    const Counts& c = by_subscription_[i];
    lines.messages += "ioc_source_messages_total" + s + std::to_string(c.messages) + "\n";
    lines.rows += "ioc_source_rows_total" + s + std::to_string(c.rows) + "\n";
    lines.bad += "ioc_source_bad_messages_total" + s + std::to_string(c.bad) + "\n";
  }
  lines.bad += "ioc_source_bad_messages_total{" + base + ",subscription=\"\"} " +
               std::to_string(unmatched_) + "\n";
}

}  // namespace ioc::mqtt
