#pragma once

#include <cstdio>
#include <fstream>
#include <string>

#include "temp_dir.hpp"

namespace ioc::test {

/// xmllint's complaint about `xml` (an XML 1.0 parser, from Debian's libxml2-utils), empty if the
/// document is well-formed.
inline std::string xml_problem(const std::string& xml) {
  TempDir dir;
  const std::string file = dir / "doc.xml";
  std::ofstream(file, std::ios::binary) << xml;
  const std::string command = "xmllint --noout '" + file + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "cannot run xmllint";
  std::string out;
  char buf[512];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = ::pclose(pipe);
  if (status != 0 && out.empty()) out = "xmllint failed (is libxml2-utils installed?)";
  return status == 0 ? std::string() : out;
}

}  // namespace ioc::test
