#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "ioc/model.hpp"

namespace ioc {

enum class BodyFormat { kJsonArray, kNdjson };

struct IngestLimits {
  std::size_t max_rows = 50'000;
  std::size_t max_string = 256;  ///< bytes in source, metric, unit, area, tag keys and values
  std::size_t max_tags = 32;
};

/// The rules every stored observation meets, whether it came over HTTP or from an embedding
/// program: non-empty source, metric and area, a finite value, an area the data may describe.
/// Throws Error(kBadRequest) naming "[INDEX].FIELD".
void check_observation(const Observation& o, std::size_t index,
                       const std::function<bool(const std::string&)>& area_allowed);

/// Parses an observation batch. All or nothing: the first bad element throws Error(kBadRequest)
/// whose field names it as "[INDEX].FIELD"; more rows than `max_rows` throws kPayloadTooLarge.
/// `area_allowed` says whether rows may describe an area: a node takes readings for itself and
/// the nodes below it only, so nothing it acknowledges is refused further up.
std::vector<Observation> parse_observations(
    std::string_view body, BodyFormat format,
    const std::function<bool(const std::string&)>& area_allowed, const IngestLimits& limits = {});

}  // namespace ioc
