// libFuzzer target for the observation batch parser that faces the network. The first byte picks
// the body format; the parser must either return rows that satisfy its contract or throw
// ioc::Error.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest_parser.hpp"
#include "ioc/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto format = data[0] % 2 ? ioc::BodyFormat::kNdjson : ioc::BodyFormat::kJsonArray;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  ioc::IngestLimits limits;
  limits.max_rows = 1000;
  try {
    const auto rows = ioc::parse_observations(
        body, format,
        [](const std::string& area) { return area == "city" || area == "city/north"; }, limits);
    if (rows.empty() || rows.size() > limits.max_rows) std::abort();
    for (const auto& o : rows)
      if (!std::isfinite(o.value) || o.metric.empty() || o.source.empty() || o.ts < 0 ||
          (o.area != "city" && o.area != "city/north"))
        std::abort();
  } catch (const ioc::Error& e) {
    if (e.field().empty()) std::abort();  // every refusal names what failed
  }
  return 0;
}
