#pragma once

// The test context of the federation's parts: the node's services with the policy state as
// their authority.
#include "../libioc/test_context.hpp"
#include "federation_context.hpp"

namespace ioc::test {

using FederatedContext = BasicTestContext<federation::PolicyState, federation::FederationContext>;

}  // namespace ioc::test
