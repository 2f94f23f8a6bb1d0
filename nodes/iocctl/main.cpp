// iocctl: admin tool for a node's data directory, keys and federation files.
#include <algorithm>
#include <iostream>
#include <string>

#include "cli_args.hpp"
#include "ioc/config.hpp"
#include "ioc/error.hpp"
#include "ioc/federation/node_keys.hpp"
#include "ioc/federation/topology.hpp"
#include "ioc/node.hpp"
#include "policy_command.hpp"

namespace {

constexpr const char* kUsage =
    "usage: iocctl COMMAND ...\n"
    "  token issue --data DIR --role viewer|operator|ingest|admin [--name N] [--expires DURATION]\n"
    "  token list --data DIR\n"
    "  token revoke --data DIR --id ID\n"
    "  keys generate --node ID --out DIR\n"
    "  backup --data DIR --out FILE\n"
    "  federation check FILE\n"
    "  federation graph FILE\n"
    "  federation diff OLD_FEDERATION NEW_FEDERATION [--at TIME]\n"
    "  policy lint FEDERATION_FILE\n"
    "  policy test POLICY_TEST_FILE...\n"
    "  policy explain FEDERATION_FILE --as NODE --action A --domain D --area NODE --severity S\n"
    "                 [--at TIME] [--json]      (exit 0 allow, 3 deny)\n"
    "  policy explain FEDERATION_FILE --data KIND --from NODE --to NODE [--metric M]\n"
    "                 [--domain D] [--severity S] [--json]   (exit 0 shared, 3 none)\n"
    "  policy explain FEDERATION_FILE --reported NODE --domain D --severity S [--at TIME]\n"
    "  policy diff OLD_FEDERATION NEW_FEDERATION [--at TIME]\n"
    "  policy bench FEDERATION_FILE [--decisions N]\n";

int usage(const std::string& why) {
  std::cerr << "iocctl: " << why << "\n" << kUsage;
  return 2;
}

std::string require(const ioc::cli::Args& args, const std::string& name) {
  const auto v = args.get(name);
  if (!v || v->empty())
    throw ioc::Error(ioc::ErrorCode::kBadRequest, "--" + name + " is required", name);
  return *v;
}

int token_command(const std::string& verb, int argc, char** argv) {
  ioc::cli::Args args(argc, argv, 3, {"data", "role", "name", "expires", "id"}, {});
  if (!args.ok()) return usage(args.error());
  const std::string data = require(args, "data");
  if (verb == "issue") {
    const std::string role_name = require(args, "role");
    const auto role = ioc::parse_role(role_name);
    if (!role) return usage("unknown role '" + role_name + "' (viewer, operator, ingest, admin)");
    std::optional<ioc::TimeMs> expires;
    if (const auto e = args.get("expires")) {
      const auto d = ioc::parse_duration(*e);
      if (!d || *d <= 0) return usage("--expires takes a duration such as 12h or 30d");
      expires = ioc::SystemClock().now() + *d;
    }
    std::cout << ioc::issue_token(data, *role, args.get_or("name", role_name), expires) << "\n";
    return 0;
  }
  if (verb == "list") {
    std::cout << "id\tname\trole\tcreated\texpires\tstate\n";
    const auto now = ioc::SystemClock().now();
    for (const auto& t : ioc::list_tokens(data)) {
      const char* state = t.revoked                          ? "revoked"
                          : (t.expires && *t.expires <= now) ? "expired"
                                                             : "active";
      std::cout << t.id << "\t" << t.name << "\t" << ioc::to_string(t.role) << "\t"
                << ioc::format_rfc3339(t.created) << "\t"
                << (t.expires ? ioc::format_rfc3339(*t.expires) : "never") << "\t" << state << "\n";
    }
    return 0;
  }
  if (verb == "revoke") {
    std::int64_t id = 0;
    try {
      id = std::stoll(require(args, "id"));
    } catch (const std::invalid_argument&) {
      return usage("--id takes the number shown by 'iocctl token list'");
    }
    if (!ioc::revoke_token(data, id)) {
      std::cerr << "iocctl: no active token with id " << id << "\n";
      return 1;
    }
    std::cout << "revoked token " << id << "\n";
    return 0;
  }
  return usage("unknown token command '" + verb + "'");
}

int federation_command(const std::string& verb, int argc, char** argv) {
  if (verb == "diff") return ioc::cli::federation_diff(argc, argv);
  ioc::cli::Args args(argc, argv, 3, {}, {});
  if (!args.ok() || args.positional().size() != 1)
    return usage("federation " + verb + " takes one FILE");
  const auto fed = ioc::load_federation(args.positional()[0]);
  if (verb == "check") {
    ioc::federation::check_federation(fed);
    for (const auto& n : fed.nodes) ioc::load_node_config(fed, n.id);
    std::size_t deepest = 0;
    for (const auto& n : fed.nodes) deepest = std::max(deepest, fed.ancestors(n.id).size());
    std::cout << fed.path << ": ok: federation '" << fed.name << "', " << fed.nodes.size()
              << " nodes, root '" << fed.root() << "', " << deepest + 1 << " tiers\n";
    return 0;
  }
  if (verb == "graph") {
    std::cout << ioc::federation::to_dot(fed);
    return 0;
  }
  return usage("unknown federation command '" + verb + "'");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("no command given");
  const std::string command = argv[1];
  const std::string verb = argc > 2 ? argv[2] : "";
  try {
    if (command == "token") return token_command(verb, argc, argv);
    if (command == "federation") return federation_command(verb, argc, argv);
    if (command == "policy") return ioc::cli::policy_command(verb, argc, argv);
    if (command == "keys" && verb == "generate") {
      ioc::cli::Args args(argc, argv, 3, {"node", "out"}, {});
      if (!args.ok()) return usage(args.error());
      const auto files =
          ioc::federation::generate_keys(require(args, "node"), require(args, "out"));
      std::cout << files.private_key << "\n" << files.public_key << "\n";
      return 0;
    }
    if (command == "backup") {
      ioc::cli::Args args(argc, argv, 2, {"data", "out"}, {});
      if (!args.ok()) return usage(args.error());
      const std::string out = require(args, "out");
      ioc::backup_store(require(args, "data"), out);
      std::cout << "backup written to " << out
                << " (a node started from it begins a new log epoch)\n";
      return 0;
    }
    if (command == "--help" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    return usage("unknown command '" + command + (verb.empty() ? "" : " " + verb) + "'");
  } catch (const ioc::Error& e) {
    // Config errors already read "file:line:col: error: ..."; others get a prefix.
    if (e.code() == ioc::ErrorCode::kConfig)
      std::cerr << e.what() << "\n";
    else
      std::cerr << "iocctl: error: " << e.what() << "\n";
    return 1;
  }
}
