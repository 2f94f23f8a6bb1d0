#pragma once

// The web console every node serves (docs/console.md): its static files at / and /console/, the
// map library from the Debian package, and the two API routes only the console needs.
#include <string>

namespace ioc {

class ApiRouter;
struct NodeContext;

struct ConsoleFiles {
  std::string dir;          ///< index.html, app.js, app.css; empty: no console (404)
  std::string leaflet_dir;  ///< Debian's libjs-leaflet; the map is plain without it
};

/// The Content-Security-Policy of every console file: its own scripts, styles and API only, map
/// tiles from the host of `tiles` (a URL template; "{s}" subdomains become "*").
std::string console_csp(const std::string& tiles);

/// GET /, GET /console/{file}, GET /console/vendor/leaflet/{file} (and images/), no token;
/// GET /api/v1/session (viewer): who the caller is and how the console is set up;
/// GET /api/v1/map (viewer): the federation's nodes (their boundary, else their location) and
/// this node's cameras as GeoJSON features.
void add_console_routes(ApiRouter& router, NodeContext& ctx, ConsoleFiles files);

}  // namespace ioc
