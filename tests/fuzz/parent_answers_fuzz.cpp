// libFuzzer target for what a child takes from its parent: the answers to hello, POST events and
// the long-poll (parsed strictly, after their signature verified), and every entry of a long-poll
// page handed to the child's DownHandler (commands, incident versions, notices, policy updates
// from above, each checked for what a parent may send). Parsing either yields values that keep
// their contract or throws ioc::Error naming the field; the handler sets aside what it refuses
// and throws only for a failure to write. Nothing else may escape, and the incidents the child
// owns never change from above.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "answers.hpp"
#include "fuzz_node.hpp"
#include "ioc/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ioc::fuzz::FuzzNode node("city/north");
  static ioc::federation::DownHandler down(node.ctx, node.incidents, node.waiters);
  static const ioc::Incident owned = node.incidents.report(
      ioc::Actor{"duty", ioc::Role::kOperator, "city/north"},
      ioc::IncidentDraft{ioc::Domain::kFlood, ioc::Severity::kSevere, "city/north", "t", {}, ""});
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto acked = ioc::federation::parse_acked(text);
    for (const auto& [origin, epochs] : acked)
      for (const auto& [epoch, seq] : epochs)
        if (origin.empty() || epoch.empty() || seq < 0) std::abort();
  } catch (const ioc::Error& e) {
    if (e.field().empty()) std::abort();
  }
  try {
    const auto hello = ioc::federation::parse_hello(text);
    for (const auto& [epoch, seq] : hello.holds)
      if (epoch.empty() || seq < 0) std::abort();
  } catch (const ioc::Error& e) {
    if (e.field().empty()) std::abort();
  }
  ioc::federation::DownPage page;
  try {
    page = ioc::federation::parse_down_page(text, 0);
  } catch (const ioc::Error& e) {
    if (e.field().empty()) std::abort();
    return 0;
  }
  std::int64_t last = 0;
  for (const auto& e : page.entries) {
    if (e.seq <= last || e.type.empty() || !e.body.is_object()) std::abort();
    last = e.seq;
    try {
      down(e.seq, e.type, e.body);
    } catch (const ioc::Error& error) {
      // Only a failure to write is retried; nothing else may come out.
      if (!ioc::federation::DownHandler::retried(error)) std::abort();
    }
  }
  // The incident this node owns: only its own actions change it (commands are decided here,
  // versions from above are refused).
  const auto held = node.store.incident(owned.id);
  if (!held || held->owner != "city/north") std::abort();
  return 0;
}
