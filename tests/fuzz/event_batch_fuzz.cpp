// libFuzzer target for the federation envelope: the body of POST /federation/v1/events and the
// aggregate sketches inside it. Either parsing succeeds with entries that satisfy the contract,
// or it throws ioc::Error naming what failed.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto_util.hpp"
#include "event_batch.hpp"
#include "ioc/error.hpp"
#include "ioc/summary_sketch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto batch = ioc::federation::parse_event_batch(text);
    if (batch.events.size() > ioc::federation::kMaxEventsPerBatch || batch.backlog < 0)
      std::abort();
    for (const auto& e : batch.events) {
      if (e.origin.empty() || e.epoch.empty() || e.type.empty() || e.seq < 1 || !e.body.is_object())
        std::abort();
      if (e.type != "aggregates" || !e.body.contains("buckets") || !e.body["buckets"].is_array())
        continue;
      for (const auto& b : e.body["buckets"]) {
        if (!b.is_object() || !b.contains("sketch") || !b["sketch"].is_string()) continue;
        const auto bytes = ioc::crypto::base64_decode(b["sketch"].get<std::string>(), false);
        if (!bytes) continue;
        try {
          const auto sketch = ioc::SummarySketch::decode(*bytes);
          (void)sketch.quantile(0.99);
        } catch (const ioc::Error&) {
        }
      }
    }
  } catch (const ioc::Error& e) {
    if (e.field().empty()) std::abort();
  }
  return 0;
}
