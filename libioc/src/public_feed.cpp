#include "public_feed.hpp"

#include <cctype>

#include "api_router.hpp"
#include "cap_xml.hpp"
#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "node_context.hpp"
#include "utf8.hpp"

namespace ioc {
namespace {

std::string path_segment(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string entry(const Alert& a) {
  const auto t = [](const std::string& s) { return utf8::xml_text(s); };
  std::string x = "  <entry>\n";
  x += "    <id>urn:ioc:alert:" + t(path_segment(a.sender)) + ":" + t(path_segment(a.identifier)) +
       "</id>\n";
  x += "    <title>" + t(a.headline) + "</title>\n";
  x += "    <updated>" + format_rfc3339(a.sent) + "</updated>\n";
  x += "    <author><name>" + t(a.sender) + "</name></author>\n";
  x += "    <category term=\"" + t(a.category) + "\"/>\n";
  x += "    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"/public/v1/alerts/" +
       t(path_segment(a.identifier)) + ".xml\"/>\n";
  x += "    <summary>" + t(a.description.empty() ? a.headline : a.description) + "</summary>\n";
  x += "    <content type=\"application/cap+xml\">\n" + cap_element(a) + "    </content>\n";
  x += "  </entry>\n";
  return x;
}

// The body with its validator; a request whose If-None-Match names it gets 304 and no body.
HttpResponse cacheable(const HttpRequest& request, std::string content_type, std::string body) {
  const std::string etag = "\"" + crypto::sha256_hex(body).substr(0, 32) + "\"";
  std::vector<std::pair<std::string, std::string>> headers{{"ETag", etag},
                                                           {"Cache-Control", "public, max-age=60"}};
  if (etag_matches(request, etag)) return HttpResponse{304, "", "", std::move(headers)};
  return HttpResponse{200, std::move(content_type), std::move(body), std::move(headers)};
}

}  // namespace

std::string atom_feed(const std::string& node_id, const std::vector<Alert>& alerts) {
  const auto t = [](const std::string& s) { return utf8::xml_text(s); };
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  x += "  <id>urn:ioc:alerts:" + t(path_segment(node_id)) + "</id>\n";
  x += "  <title>Public alerts of " + t(node_id) + "</title>\n";
  x += "  <updated>" + format_rfc3339(alerts.empty() ? 0 : alerts.front().sent) + "</updated>\n";
  x += "  <author><name>" + t(node_id) + "</name></author>\n";
  x += "  <link rel=\"self\" type=\"application/atom+xml\" href=\"/public/v1/alerts.atom\"/>\n";
  for (const auto& a : alerts) {
    std::string e = entry(a);
    if (x.size() + e.size() > kPublicFeedMaxBytes) break;
    x += e;
  }
  x += "</feed>\n";
  return x;
}

void add_public_routes(ApiRouter& router, NodeContext& ctx) {
  router.add_route("GET", "/public/v1/alerts.atom", {}, [&ctx](ApiCall& call, Respond& respond) {
    respond(cacheable(call.request, "application/atom+xml; charset=utf-8",
                      atom_feed(ctx.node_id, ctx.store.recent_public_alerts(kPublicFeedEntries))));
  });
  router.add_route(
      "GET", "/public/v1/alerts/{id}.xml", {}, [&ctx](ApiCall& call, Respond& respond) {
        const auto alert = ctx.store.alert(call.params["id"]);
        // One that is not public is not said to exist.
        if (!alert || alert->scope != "Public")
          throw Error(ErrorCode::kNotFound, "no public alert '" + call.params["id"] + "'", "id");
        respond(cacheable(call.request, "application/cap+xml; charset=utf-8", cap_xml(*alert)));
      });
}

}  // namespace ioc
