#include "console_routes.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "api_router.hpp"
#include "api_support.hpp"
#include "crypto_util.hpp"
#include "ioc/error.hpp"
#include "node_context.hpp"

namespace ioc {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxFileBytes = 4 << 20;

// The media type of a file the console serves, or empty for a name it does not serve.
std::string media_type_of(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return "";
  const std::string ext = name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "png") return "image/png";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "json") return "application/json";
  return "";
}

// A plain file name: no path, nothing hidden.
bool plain_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (const char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'))
      return false;
  return true;
}

HttpResponse file_response(const HttpRequest& request, const std::string& dir,
                           const std::string& name, const std::string& csp,
                           const std::string& language = "") {
  const std::string type = media_type_of(name);
  if (dir.empty() || !plain_name(name) || type.empty())
    throw Error(ErrorCode::kNotFound, "no console file '" + name + "'", "path");
  std::ifstream in(std::filesystem::path(dir) / name, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "no console file '" + name + "'", "path");
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (body.size() > kMaxFileBytes)
    throw Error(ErrorCode::kInternal, "console file '" + name + "' is too large");
  // The page opens in the node's language (before sign-in, which tells the rest).
  if (const auto at = body.find("<html lang=\"en\">"); !language.empty() && at != std::string::npos)
    body.replace(at, 16, "<html lang=\"" + language + "\">");
  const std::string etag = "\"" + crypto::sha256_hex(body).substr(0, 32) + "\"";
  std::vector<std::pair<std::string, std::string>> headers{
      {"ETag", etag},
      // Checked every time: a new release's files are taken at once, unchanged ones cost a 304.
      {"Cache-Control", "no-cache"},
      {"Content-Security-Policy", csp},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"}};
  if (etag_matches(request, etag)) return HttpResponse{304, "", "", headers};
  return HttpResponse{200, type, std::move(body), std::move(headers)};
}

// The origin of a tile URL template, for the policy: "https://{s}.tile.example/{z}/..." gives
// "https://*.tile.example".
std::string tile_origin(const std::string& tiles) {
  const auto scheme = tiles.find("://");
  if (scheme == std::string::npos) return "";
  const auto end = tiles.find('/', scheme + 3);
  std::string origin = tiles.substr(0, end);
  if (const auto s = origin.find("{s}"); s != std::string::npos) origin.replace(s, 3, "*");
  for (const char c : origin.substr(scheme + 3))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
          c == '*'))
      return "";
  return origin;
}

json map_features(const FederationConfig& fed, const std::vector<Camera>& cameras) {
  json features = json::array();
  for (const auto& c : cameras)
    features.push_back({{"type", "Feature"},
                        {"geometry", {{"type", "Point"}, {"coordinates", {c.lon, c.lat}}}},
                        {"properties", {{"camera", c.id}, {"stream", c.stream}}}});
  for (const auto& n : fed.nodes) {
    if (!n.location && n.boundary.empty()) continue;
    json properties{{"node", n.id},
                    {"kind", to_string(n.kind)},
                    {"parent", n.parent ? json(*n.parent) : json(nullptr)}};
    if (n.location) properties["location"] = {{"lat", n.location->lat}, {"lon", n.location->lon}};
    json geometry = n.boundary.empty() ? json{{"type", "Point"},
                                              {"coordinates", {n.location->lon, n.location->lat}}}
                                       : json::parse(n.boundary);
    features.push_back(
        {{"type", "Feature"}, {"geometry", std::move(geometry)}, {"properties", properties}});
  }
  return json{{"type", "FeatureCollection"}, {"features", features}};
}

}  // namespace

std::string console_csp(const std::string& tiles) {
  std::string img = "'self' data:";
  if (const std::string origin = tile_origin(tiles); !origin.empty()) img += " " + origin;
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + img +
         "; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
         "frame-ancestors 'none'";
}

void add_console_routes(ApiRouter& router, NodeContext& ctx, ConsoleFiles files) {
  const std::string csp = console_csp(ctx.local.console.tiles);
  router.add_route("GET", "/", {}, [files, csp, &ctx](ApiCall& call, Respond& respond) {
    respond(file_response(call.request, files.dir, "index.html", csp, ctx.local.console.language));
  });
  router.add_route("GET", "/console/{file}", {}, [files, csp](ApiCall& call, Respond& respond) {
    respond(file_response(call.request, files.dir, call.params["file"], csp));
  });
  router.add_route(
      "GET", "/console/vendor/leaflet/{file}", {}, [files, csp](ApiCall& call, Respond& respond) {
        respond(file_response(call.request, files.leaflet_dir, call.params["file"], csp));
      });
  router.add_route("GET", "/console/vendor/leaflet/images/{file}", {},
                   [files, csp](ApiCall& call, Respond& respond) {
                     const std::string dir =
                         files.leaflet_dir.empty() ? "" : files.leaflet_dir + "/images";
                     respond(file_response(call.request, dir, call.params["file"], csp));
                   });
  router.add_route(
      "GET", "/api/v1/session", {Role::kViewer}, [&ctx, files](ApiCall& call, Respond& respond) {
        api::only_params(call.query, {});
        const auto fed = ctx.federation();
        const Actor& a = *call.actor;
        const auto& console = ctx.local.console;
        respond(api::json_response(
            200,
            {{"node", ctx.node_id},
             {"federation", fed->name},
             {"kind", to_string(fed->find(ctx.node_id)->kind)},
             {"children", fed->children(ctx.node_id).size()},
             {"name", a.name},
             {"role", to_string(a.role)},
             {"mayAct", role_allows(a.role, Role::kOperator)},
             {"language", console.language},
             {"map",
              {{"tiles", console.tiles.empty() ? json(nullptr) : json(console.tiles)},
               {"attribution", console.attribution},
               {"library", !files.leaflet_dir.empty() &&
                               std::filesystem::exists(files.leaflet_dir + "/leaflet.js")}}}}));
      });
  router.add_route("GET", "/api/v1/map", {Role::kViewer}, [&ctx](ApiCall& call, Respond& respond) {
    api::only_params(call.query, {});
    respond(api::json_response(200, map_features(*ctx.federation(), ctx.local.cameras)));
  });
}

}  // namespace ioc
