// libFuzzer target for whatever reaches a node over HTTP: the method, the target (path and
// query), the headers and the body of one request, through the whole route table. Input:
//   METHOD TARGET\n(NAME: VALUE\n)*\nBODY
// A header line "Authorization: ADMIN" is replaced by a real admin token and "IOC-Signed: NODE"
// by NODE's signature over the request, so the fuzzer also reaches what only an operator or a
// peer may do (ingest, incidents, Open311, grants, federation receipt). Every answer must be a
// status from 200 to 599 whose JSON body (if JSON) is valid UTF-8 JSON; nothing may escape.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_node.hpp"
#include "ioc/federation/request_signing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ioc::fuzz::FuzzNode node;
  const std::string input(reinterpret_cast<const char*>(data), size);
  ioc::HttpRequest req;
  std::size_t pos = input.find('\n');
  const std::string line = input.substr(0, pos);
  const auto space = line.find(' ');
  if (space == std::string::npos) return 0;
  req.method = line.substr(0, space);
  req.target = line.substr(space + 1);
  std::string signer;
  while (pos != std::string::npos && pos + 1 < input.size() && input[pos + 1] != '\n') {
    const auto next = input.find('\n', pos + 1);
    const std::string header =
        input.substr(pos + 1, next == std::string::npos ? next : next - pos - 1);
    pos = next;
    const auto colon = header.find(": ");
    if (colon == std::string::npos) continue;
    std::string name = header.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = header.substr(colon + 2);
    if (name == "authorization" && value == "ADMIN") value = "Bearer " + node.admin;
    if (name == "ioc-signed")
      signer = value;
    else
      req.headers[name] = value;
  }
  if (pos != std::string::npos && pos + 2 <= input.size()) req.body = input.substr(pos + 2);
  if (!signer.empty() && node.fed.find(signer)) {
    const auto key = ioc::federation::PrivateKey::load(
        node.dir / ("keys/" + ioc::federation::key_file_stem(signer) + ".key"));
    for (const auto& [name, value] : ioc::federation::sign_request(
             key, signer, "city", req.method, req.target, req.body, node.clock.now())) {
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[lower] = value;
    }
  }
  const auto res = node.handle(req);
  if (res.status < 200 || res.status > 599) std::abort();
  if (res.content_type == "application/json") {
    const auto body = nlohmann::json::parse(res.body, nullptr, false);
    if (body.is_discarded()) std::abort();
    if (res.status >= 400 && !body.contains("error")) std::abort();
  }
  return 0;
}
