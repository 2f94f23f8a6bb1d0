#pragma once

#include <string>
#include <string_view>

namespace ioc::utf8 {

/// True if `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid(std::string_view s);

/// `s` as text an XML 1.0 document may hold: markup characters escaped, characters XML forbids
/// (C0 controls but tab, newline and carriage return; U+FFFE, U+FFFF) dropped, and every byte
/// that is not well-formed UTF-8 replaced by U+FFFD.
std::string xml_text(std::string_view s);

}  // namespace ioc::utf8
