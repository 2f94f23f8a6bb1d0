#pragma once

#include <nlohmann/json.hpp>

#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "ioc/authorizer.hpp"
#include "node_context.hpp"

namespace ioc {

/// What a reporter supplies; the service fills in id, origin, owner, version and history.
struct IncidentDraft {
  Domain domain = Domain::kPublicOrder;
  Severity severity = Severity::kModerate;
  std::string area;
  std::string title;
  Location location;
  std::string note;
};

/// A command for an incident's owner as it travels the federation, up or down.
struct IncidentCommand {
  std::string id;
  std::string incident;
  std::string owner;  ///< empty if the sender did not say
  IncidentAction action = IncidentAction::kAcknowledge;
  std::string note;
  Actor actor;
};

/// What an incident's owner decided on a command: applied (its new version) or refused.
struct CommandOutcome {
  bool ok = false;
  std::int64_t version = 0;  ///< the version it made, when applied
  std::string code;          ///< the error code's name, when refused ("forbidden", ...)
  std::string reason;
};

/// What an action did: applied here (the new version), or forwarded toward the owner as a command.
struct ActResult {
  Incident incident;      ///< the state this node holds after the action
  std::string forwarded;  ///< the command id when forwarded, else empty
  std::string via;        ///< the child the command was queued for
  bool pending = false;   ///< held: the incident has not arrived here yet (an agency)
};

/// Incidents on this node: reporting, the status lifecycle and its audit history. Every change
/// bumps the version, is appended to the event log and published live. Thread-safe: all changes
/// go through the node's single writer.
class IncidentService {
 public:
  explicit IncidentService(NodeContext& ctx) : ctx_(ctx) {}

  /// Reports an incident; `done` gets it once committed.
  void report(const Actor& actor, const IncidentDraft& draft, Completion<Incident> done);
  /// The same, waiting (for threads that may wait: not the HTTP I/O threads); throws the error.
  Incident report(const Actor& actor, const IncidentDraft& draft);
  /// Reports inside a running write job (rules opening incidents with their alert).
  Incident report_in(WriteContext& w, const std::string& actor, const IncidentDraft& draft,
                     const std::string& alert_id);
  /// Completes an action: with its result, or with the error that stopped it (Error 403, 404,
  /// 409, 503). Runs exactly once, on any thread.
  using ActDone = Completion<ActResult>;

  /// Applies an action after asking the authorizer. An incident owned below this node is decided
  /// here too, then queued as a command for the child on the way to its owner, which decides
  /// again and applies it. One owned above is decided here, then sent up to the owner
  /// (POST /federation/v1/commands): its answer, the new version or its refusal, completes
  /// `done` when it arrives (503 if it cannot be reached), and no thread waits for it meanwhile.
  void act(const Actor& actor, const std::string& id, IncidentAction action,
           const std::string& note, ActDone done);
  /// The same, waiting for the result (for threads that may wait: not the HTTP I/O threads);
  /// throws the error.
  ActResult act(const Actor& actor, const std::string& id, IncidentAction action,
                const std::string& note);

  /// What `actor` may do to `i` now, action by action, as act() would decide it here: allowed
  /// (with the grant; for an incident owned elsewhere its owner decides again, named in
  /// `decided_by`), or not with the failing condition (the role, a policy condition, the status).
  struct Choice {
    IncidentAction action;
    bool allowed = false;
    std::string grant, reason, field, decided_by;
  };
  std::vector<Choice> choices(const Actor& actor, const Incident& i) const;

  /// Applies a command as its owner decides it (waiting: not on an HTTP I/O thread).
  CommandOutcome outcome(const IncidentCommand& command);
  /// The "command-result" log entry that carries an outcome back to the command's sender:
  /// {"command", "incident", "action", "owner", ["heldSince",] "ok", "version" | "code",
  /// "reason"}.
  static nlohmann::json command_result(const IncidentCommand& command, const std::string& owner,
                                       const CommandOutcome& outcome,
                                       const std::string& held_since = "");

  /// At an agency node: applies, in arrival order, the actions taken on `id` before the incident
  /// itself arrived (with `id` empty: those of every incident that has arrived, as at a start).
  /// One that cannot be applied (not allowed, a step backwards) is dropped and reported up the
  /// log as a failed command result, with the reason.
  void apply_pending(const std::string& id);

  /// Escalates inside a running write job: ownership moves to the nearest ancestor whose
  /// authority covers dispatching it (the parent without Authority policies), the version is
  /// recorded and travels to the new owner, and the alert that opened it gets a CAP Update.
  /// Throws Error(kConflict) at the root.
  void escalate_in(WriteContext& w, Incident& incident, const std::string& actor,
                   const std::string& note, const std::string& grant);

  /// After a reorganisation: every open incident reported here whose owner is no longer this node
  /// or above it stays owned above: by the nearest ancestor whose authority covers it under the
  /// policy in force (the parent without Authority policies; this node if it is the root now), as
  /// a new version that travels to it. Returns "ID: OLD -> NEW" per incident moved.
  std::vector<std::string> reown_after_reorganisation();

  /// Records that `targets` were notified of the incident (an audit entry, a new version) and
  /// sends each a "notice" carrying the incident, down the tree or up the log toward it.
  void notify_in(WriteContext& w, Incident& incident, const std::string& actor,
                 const std::string& grant, const std::vector<std::string>& targets);

  /// Reads a command (the form `command` writes) strictly; throws Error(kBadRequest) naming the
  /// field. Used by both ways a command arrives: POST /federation/v1/commands and the long-poll.
  static IncidentCommand parse_command(const nlohmann::json& body);

  /// The status an action leads to; nullopt for actions that do not change status (escalate).
  static std::optional<IncidentStatus> target_status(IncidentAction action);
  /// Why `action` is not possible from `from`, or empty if it is (forward steps may skip states).
  static std::string transition_error(IncidentStatus from, IncidentAction action);

 private:
  void record(WriteContext& w, const Incident& incident, const AuditEntry& entry, bool created);
  /// A new version of `i` (already changed by the caller): bumps the version, records it with its
  /// audit entry and appends that to the history; returns the entry.
  AuditEntry change(WriteContext& w, Incident& i, const std::string& actor,
                    const std::string& action, const std::string& note, const std::string& grant);
  /// A command for the owner of `i`, as it travels over the federation.
  nlohmann::json command(const Actor& actor, const Incident& i, IncidentAction action,
                         const std::string& note) const;
  std::string escalation_target(const Incident& i) const;
  /// An action on an incident this node (or one below it) owns, or holds for later (an agency),
  /// decided and applied in the writer; `done` once committed.
  void act_here(const Actor& actor, const std::string& id, IncidentAction action,
                const std::string& note, ActDone done);
  /// Sends the action up (completing `done` when the owner answers); throws, without calling
  /// `done`, if this node may not or cannot send it.
  void ask_owner_above(const Actor& actor, const Incident& i, IncidentAction action,
                       const std::string& note, const ActDone& done);
  /// The owner's answer to a command sent up, or the error it stands for.
  static ActResult owner_answer(const std::string& owner, const std::string& parent,
                                const NodeContext::PeerAnswer& answer);
  NodeContext& ctx_;
};

}  // namespace ioc
