#pragma once

#include <string>

#include "ioc/config.hpp"
#include "yaml_reader.hpp"

namespace ioc {

/// Reads a `Sources` file's connection (its document `doc`, past apiVersion and kind): the broker
/// and its files, checked to exist, and each subscription's topic pattern and mapping, with
/// "file:line:col" errors. Fixed areas must be `node_id` or below it.
SourceConnection read_source_connection(yaml::MapReader& doc, const FederationConfig& fed,
                                        const std::string& node_id);

}  // namespace ioc
