// libFuzzer target for what an MQTT broker hands a node: a topic and a payload, mapped by one of
// three subscriptions (SenML, JSON fields, a camera event that opens an incident). The first
// byte picks the subscription, the bytes up to the first newline are the topic. Mapping must
// give readings or an incident that meet the store's contract, or throw BadMessage.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "message_mapping.hpp"
#include "utf8.hpp"

namespace {

using ioc::MessagePart;
using ioc::SourceSubscription;

ioc::FederationConfig make_federation() {
  ioc::FederationConfig fed;
  for (const char* id : {"city", "city/north", "elsewhere"}) {
    ioc::NodeConfig n;
    n.id = id;
    if (std::string_view(id) == "city/north") n.parent = "city";
    fed.nodes.push_back(n);
  }
  fed.reindex();
  return fed;
}

std::vector<SourceSubscription> make_subscriptions() {
  const auto topic = [](const char* name) { return MessagePart{MessagePart::From::kTopic, name}; };
  const auto field = [](const char* path) { return MessagePart{MessagePart::From::kField, path}; };
  SourceSubscription senml;
  senml.topic = "ioc/{area}/{source}";
  senml.parts = {{"area", topic("area")}, {"source", topic("source")}};
  SourceSubscription mapped;
  mapped.topic = "s/{area}/{metric}";
  mapped.format = SourceSubscription::Format::kJson;
  mapped.parts = {{"area", topic("area")}, {"metric", topic("metric")}, {"source", field("d.id")},
                  {"value", field("v")},   {"time", field("t")},        {"unit", field("u")}};
  SourceSubscription camera;
  camera.topic = "c/{camera}/{area}";
  camera.format = SourceSubscription::Format::kJson;
  camera.parts = {{"area", topic("area")}, {"camera", topic("camera")}};
  camera.incident = SourceSubscription::IncidentMapping{ioc::Domain::kTraffic,
                                                        ioc::Severity::kMinor, "{type} {plate}"};
  return {senml, mapped, camera};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ioc::FederationConfig fed = make_federation();
  static const std::vector<SourceSubscription> subs = make_subscriptions();
  static const std::vector<ioc::Camera> cameras = {ioc::Camera{"cam-1", 16.0, 108.2, ""}};
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto newline = input.find('\n');
  const std::string_view rest = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  const auto& sub = subs[data[0] % 3];
  static const std::string prefixes[] = {"ioc/", "s/", "c/"};
  const std::string topic = prefixes[data[0] % 3] + std::string(input.substr(0, newline));
  const auto match = ioc::mqtt::TopicMatcher({sub}).match(topic);
  if (!match) return 0;
  try {
    const auto mapped = ioc::mqtt::map_message(
        sub, *match, rest, ioc::mqtt::MappingScope{fed, "city", cameras, 1'796'000'000'000});
    if (mapped.incident) {
      const auto& title = mapped.incident->title;
      if (title.empty() || title.size() > 200 || !ioc::utf8::valid(title)) std::abort();
      if (!fed.in_subtree(mapped.incident->area, "city")) std::abort();
      return 0;
    }
    if (mapped.rows.empty()) std::abort();
    for (const auto& o : mapped.rows)
      if (!std::isfinite(o.value) || o.metric.empty() || o.source.empty() || o.ts < 0 ||
          !fed.in_subtree(o.area, "city") || !ioc::utf8::valid(o.metric))
        std::abort();
  } catch (const ioc::mqtt::BadMessage& e) {
    if (std::string_view(e.what()).empty()) std::abort();  // every refusal says why
  }
  return 0;
}
