#pragma once

// A Sharing rule as a policy file would give it, for the sharing and outbound tests.
#include <string>
#include <utility>
#include <vector>

#include "ioc/federation/policy.hpp"

namespace ioc::test {

inline policy::SharingRule sharing_rule(std::string id, std::string from, std::string to,
                                        policy::Mask data, policy::Granularity g, int min_group = 0,
                                        std::vector<std::string> redact = {}) {
  policy::SharingRule r;
  r.id = std::move(id);
  r.from = std::move(from);
  r.to = std::move(to);
  r.data = data;
  r.granularity = g;
  r.min_group_size = min_group;
  r.redact = std::move(redact);
  return r;
}

}  // namespace ioc::test
