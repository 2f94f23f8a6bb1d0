#pragma once

// The test context of the federation's parts: the node's services with the policy state as
// their authority.
#include "../libioc/test_context.hpp"
#include "federation_context.hpp"
#include "federation_tables.hpp"

namespace ioc::test {

template <>
inline std::vector<StoreSchema> test_store_schemas<federation::FederationContext>() {
  return {federation::federation_schema()};
}

using FederatedContext = BasicTestContext<federation::PolicyState, federation::FederationContext>;

}  // namespace ioc::test
