#pragma once

#include "ioc/node.hpp"

namespace ioc::mqtt {

/// Connects a node to the MQTT brokers its `Sources` files declare (docs/sources.md): set it as
/// NodeOptions::sources. Each connection keeps a persistent session at QoS 1 and acknowledges a
/// message only once what it holds is committed; GET /api/v1/sources and /metrics show what
/// each connection does.
NodeExtensionFactory sources();

}  // namespace ioc::mqtt
