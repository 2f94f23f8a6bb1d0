#include "incident_service.hpp"

#include <catch2/catch.hpp>

#include "ioc/error.hpp"
#include "test_context.hpp"

using namespace ioc;

namespace {

class DenySevere final : public Authorizer {
 public:
  Decision decide(const AuthzRequest& r) const override {
    if (r.severity >= Severity::kSevere)
      return {false, "", "severity above what the grant allows", "severity"};
    return {true, "grant-7", "", ""};
  }
};

struct Fixture {
  explicit Fixture(std::unique_ptr<Authorizer> a = nullptr) : t("city", std::move(a)) {}
  test::TestContext t;
  Store& store = t.store;
  test::RecordingSink& sink = t.sink;
  IncidentService service{t.ctx};
  Actor op{"alice", Role::kOperator, "city"};

  Incident report(Severity s = Severity::kModerate) {
    return service.report(
        op, IncidentDraft{Domain::kFlood, s, "city/north", "Street flooded", {}, "seen by patrol"});
  }
};

ErrorCode error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

}  // namespace

TEST_CASE("reporting creates version 1 owned by this node with an audit entry", "[incidents]") {
  Fixture f;
  const Incident i = f.report();
  CHECK(i.version == 1);
  CHECK(i.status == IncidentStatus::kReported);
  CHECK(i.origin == "city");
  CHECK(i.owner == "city");
  const auto stored = f.store.incident(i.id);
  REQUIRE(stored);
  REQUIRE(stored->history.size() == 1);
  CHECK(stored->history[0].actor == "alice@city");
  CHECK(stored->history[0].note == "seen by patrol");
  CHECK(f.store.last_event_seq() == 1);
  CHECK(f.sink.messages.size() == 1);
  CHECK(error_of([&] {
          f.service.report(f.op,
                           IncidentDraft{Domain::kFlood, Severity::kMinor, "mars", "t", {}, ""});
        }) == ErrorCode::kBadRequest);
}

TEST_CASE("actions move forward, bump the version and record who and under which grant",
          "[incidents]") {
  Fixture f;
  const Incident i = f.report();
  auto after = f.service.act(f.op, i.id, IncidentAction::kAcknowledge, "on it").incident;
  CHECK(after.status == IncidentStatus::kAcknowledged);
  CHECK(after.version == 2);
  after = f.service.act(f.op, i.id, IncidentAction::kResolve,
                        "pumped out")
              .incident;  // skipping dispatched is allowed
  CHECK(after.status == IncidentStatus::kResolved);
  CHECK(after.version == 3);
  const auto stored = f.store.incident(i.id);
  REQUIRE(stored->history.size() == 3);
  CHECK(stored->history[2].action == "resolve");
  CHECK(stored->history[2].grant == "local-operator");
  CHECK(stored->history[2].version == 3);
  CHECK(f.store.last_event_seq() == 3);
}

TEST_CASE("a step backwards or from a final state is a conflict", "[incidents]") {
  Fixture f;
  const Incident i = f.report();
  f.service.act(f.op, i.id, IncidentAction::kDispatch, "");
  CHECK(error_of([&] { f.service.act(f.op, i.id, IncidentAction::kAcknowledge, ""); }) ==
        ErrorCode::kConflict);
  CHECK(error_of([&] { f.service.act(f.op, i.id, IncidentAction::kDispatch, ""); }) ==
        ErrorCode::kConflict);
  f.service.act(f.op, i.id, IncidentAction::kCancel, "duplicate report");
  CHECK(error_of([&] { f.service.act(f.op, i.id, IncidentAction::kClose, ""); }) ==
        ErrorCode::kConflict);
  CHECK(f.store.incident(i.id)->version == 3);
}

TEST_CASE("the transition table", "[incidents]") {
  using S = IncidentStatus;
  using A = IncidentAction;
  CHECK(IncidentService::transition_error(S::kReported, A::kClose).empty());
  CHECK(IncidentService::transition_error(S::kResolved, A::kCancel).empty());
  CHECK_FALSE(IncidentService::transition_error(S::kResolved, A::kDispatch).empty());
  CHECK_FALSE(IncidentService::transition_error(S::kClosed, A::kCancel).empty());
  CHECK_FALSE(IncidentService::transition_error(S::kCancelled, A::kAcknowledge).empty());
}

TEST_CASE("unknown incidents are not found, escalation from the root is a conflict",
          "[incidents]") {
  Fixture f;
  CHECK(error_of([&] { f.service.act(f.op, "inc-missing", IncidentAction::kAcknowledge, ""); }) ==
        ErrorCode::kNotFound);
  const Incident i = f.report();
  CHECK(error_of([&] { f.service.act(f.op, i.id, IncidentAction::kEscalate, ""); }) ==
        ErrorCode::kConflict);
}

TEST_CASE("the authorizer decides every action and its denial changes nothing", "[incidents]") {
  Fixture f(std::make_unique<DenySevere>());
  const Incident minor = f.report(Severity::kModerate);
  CHECK(f.service.act(f.op, minor.id, IncidentAction::kAcknowledge, "")
            .incident.history.back()
            .grant == "grant-7");
  const Incident severe = f.report(Severity::kSevere);
  try {
    f.service.act(f.op, severe.id, IncidentAction::kAcknowledge, "");
    FAIL("expected a denial");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kForbidden);
    CHECK(e.field() == "severity");
    CHECK(std::string(e.what()).find("severity") != std::string::npos);
  }
  CHECK(f.store.incident(severe.id)->version == 1);
}

TEST_CASE("the default authorizer admits only this node's operators", "[incidents]") {
  Fixture f;
  const Incident i = f.report();
  CHECK(
      error_of([&] {
        f.service.act(Actor{"bob", Role::kViewer, "city"}, i.id, IncidentAction::kAcknowledge, "");
      }) == ErrorCode::kForbidden);
  CHECK(error_of([&] {
          f.service.act(Actor{"peer", Role::kAdmin, "city/north"}, i.id,
                        IncidentAction::kAcknowledge, "");
        }) == ErrorCode::kForbidden);
  CHECK(f.service.act(Actor{"root", Role::kAdmin, "city"}, i.id, IncidentAction::kAcknowledge, "")
            .incident.version == 2);
}

TEST_CASE("a command reads back as it was written, and a bad one names its field", "[incidents]") {
  test::TestContext t("city");
  IncidentService incidents(t.ctx);
  const auto i =
      incidents.report(Actor{"duty", Role::kOperator, "city"},
                       IncidentDraft{Domain::kFlood, Severity::kMinor, "city/north", "t", {}, ""});
  nlohmann::json body{{"id", "cmd-1"},
                      {"incident", i.id},
                      {"owner", "city/north"},
                      {"action", "dispatch"},
                      {"note", "pumps"},
                      {"actor", {{"name", "duty"}, {"role", "operator"}, {"node", "city"}}},
                      {"at", "2025-10-27T08:00:00.000Z"}};
  const auto c = IncidentService::parse_command(body);
  CHECK(c.id == "cmd-1");
  CHECK(c.incident == i.id);
  CHECK(c.owner == "city/north");
  CHECK(c.action == IncidentAction::kDispatch);
  CHECK(c.note == "pumps");
  CHECK(c.actor.node == "city");
  CHECK(c.actor.role == Role::kOperator);
  const auto field_of = [](nlohmann::json b) {
    try {
      IncidentService::parse_command(b);
    } catch (const Error& e) {
      return e.field();
    }
    return std::string("none");
  };
  auto bad = body;
  bad["action"] = "fly";
  CHECK(field_of(bad) == "action");
  bad = body;
  bad["actor"]["role"] = "mayor";
  CHECK(field_of(bad) == "actor.role");
  bad = body;
  bad["actor"].erase("node");
  CHECK(field_of(bad) == "actor.node");
  bad = body;
  bad["colour"] = "red";
  CHECK(field_of(bad) == "colour");
  bad = body;
  bad.erase("incident");
  CHECK(field_of(bad) == "incident");
}
