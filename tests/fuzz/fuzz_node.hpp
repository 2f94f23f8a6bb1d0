#pragma once

// The city of the test federation as the fuzz targets drive it: a real store in a temp dir, the
// services, the policy state and the route table, without the HTTP server or the link threads.
#include <future>
#include <memory>
#include <string>

#include "api_router.hpp"
#include "down_handler.hpp"
#include "federation_routes.hpp"
#include "federation_tables.hpp"
#include "ioc/authorizer.hpp"
#include "ioc/time.hpp"
#include "observation_ingest.hpp"
#include "policy_state.hpp"
#include "store_nonce_cache.hpp"
#include "temp_dir.hpp"

namespace ioc::fuzz {

class NullSink final : public EventSink {
 public:
  void publish(const std::string&) override {}
};

/// One node of the test federation ("city" by default), with every key of it in `dir/keys`.
struct FuzzNode {
  explicit FuzzNode(const std::string& id = "city")
      : fed(load_federation(test::write_test_federation(dir.path()))),
        local(load_node_config(fed, id)),
        store({dir / "ioc.db"}, {federation::federation_schema()}),
        writes(store, {}),
        policies(fed),
        authorizer(federation::make_policy_authorizer(policies, id)),
        key(federation::PrivateKey::load(dir / ("keys/" + federation::key_file_stem(id) + ".key"))),
        nonces(store, writes, clock.now()),
        peers(fed, id, nonces),
        ctx(NodeContext{id, local, store, writes, clock, sink, metrics, *authorizer, policies},
            policies),
        incidents(ctx),
        alerts(ctx),
        requests(ctx),
        summary(ctx),
        tokens(store, id),
        waiters(store, [](std::chrono::milliseconds, std::function<void()>) {}),
        ingest(ctx, incidents),
        router(ctx,
               ApiRouter::Services{ingest, incidents, alerts, requests, summary, tokens,
                                   [](Completion<ReloadResult> done) { done({}, nullptr); }},
               IngestLimits{}),
        routes(ctx, router,
               federation::FederationRoutes::Parts{incidents, peers, waiters, &key,
                                                   [] { return nlohmann::json(nullptr); }}),
        admin(TokenService::issue(store, Role::kAdmin, "fuzz", std::nullopt, clock.now())) {
    waiters.stop();  // a long-poll answers at once instead of parking for up to 30 s
  }

  /// Handles one request and waits for its answer (a write job answers from the writer thread).
  HttpResponse handle(const HttpRequest& request) {
    auto answered = std::make_shared<std::promise<HttpResponse>>();
    auto answer = answered->get_future();
    router.handle(request, [answered](HttpResponse res) { answered->set_value(std::move(res)); });
    if (answer.wait_for(std::chrono::seconds(20)) != std::future_status::ready) std::abort();
    return answer.get();
  }

  test::TempDir dir;
  FederationConfig fed;
  NodeLocalConfig local;
  SystemClock clock;
  NullSink sink;
  Metrics metrics;
  Store store;
  WriteQueue writes;
  federation::PolicyState policies;
  std::unique_ptr<Authorizer> authorizer;
  federation::PrivateKey key;
  federation::StoreNonceCache nonces;
  federation::RequestVerifier peers;
  federation::FederationContext ctx;
  IncidentService incidents;
  AlertService alerts;
  ServiceRequests requests;
  SummaryService summary;
  TokenService tokens;
  federation::OutboxWaiters waiters;
  ObservationIngest ingest;
  ApiRouter router;
  federation::FederationRoutes routes;
  std::string admin;  ///< a token with every role
};

}  // namespace ioc::fuzz
