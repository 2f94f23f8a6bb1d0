#pragma once

#include <string>

#include "ioc/model.hpp"

namespace ioc {

/// Renders an alert as a CAP 1.2 XML document (urn:oasis:names:tc:emergency:cap:1.2).
std::string cap_xml(const Alert& alert);

}  // namespace ioc
