#pragma once

// The tables only the federation's protocol keeps, in the node's store: created by
// federation_schema() (given to the store by the plug-in) and written inside the node's one
// writer transaction. One class per thing kept; each writes through a Store::Writer and reads
// either in that transaction or, through the static members, from a read connection.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ioc/time.hpp"
#include "store.hpp"

namespace ioc::federation {

/// The federation's tables and their migrations.
StoreSchema federation_schema();

/// What this node holds of each origin's log: the highest contiguous seq per (origin, epoch), the
/// holds a handover put on an origin's new path, and the children that may still relay an origin
/// that a reorganisation moved out of their subtree.
class Receipts {
 public:
  explicit Receipts(Store::Writer& w) : w_(w) {}
  /// The highest contiguous seq held from (origin, epoch), if any.
  std::optional<std::int64_t> held(const std::string& origin, const std::string& epoch);
  void set_held(const std::string& origin, const std::string& epoch, std::int64_t seq);
  /// After a handover: (origin, epoch) may start here only at or below `seq`, because the
  /// entries up to it are still on their way through a child on the old path.
  std::optional<std::int64_t> hold(const std::string& origin, const std::string& epoch);
  void set_hold(const std::string& origin, const std::string& epoch, std::int64_t seq);
  /// A reorganisation moved `origin` out of `relay`'s subtree: `relay` may still send what it
  /// took from `origin` before the move.
  void add_former_relay(const std::string& origin, const std::string& relay);
  bool is_former_relay(const std::string& origin, const std::string& relay);
  /// The highest contiguous seq held from `origin`, per epoch.
  static std::vector<std::pair<std::string, std::int64_t>> of(const Store& store,
                                                              const std::string& origin);

 private:
  Store::Writer& w_;
};

/// The highest seq of (origin, epoch) a parent acknowledged from this node's log.
struct HandedSeq {
  std::string origin, epoch;
  std::int64_t seq = 0;
};

/// What a move to another parent needs: what each parent acknowledged, per origin (kept with the
/// cursor, so the move can say where the old path ends), and the handover entry still to be sent
/// first to the new parent.
class Handovers {
 public:
  explicit Handovers(Store::Writer& w) : w_(w) {}
  void note_handed(const std::string& parent, const std::string& origin, const std::string& epoch,
                   std::int64_t seq);
  std::vector<HandedSeq> handed(const std::string& parent);
  void set_pending(const std::string& parent, const std::string& body);
  /// Once `parent` acknowledged it.
  void clear_pending(const std::string& parent);
  /// The handover entry body waiting to be sent to `parent`, if any.
  static std::optional<std::string> pending(const Store& store, const std::string& parent);

 private:
  Store::Writer& w_;
};

/// A request nonce a peer used, and when.
struct SeenNonce {
  std::string node;
  std::string nonce;
  TimeMs seen = 0;
};

/// The nonces of peers' signed calls, kept so a call replayed after a restart is refused.
class Nonces {
 public:
  explicit Nonces(Store::Writer& w) : w_(w) {}
  /// False if (node, nonce) is already remembered. Forgets nonces seen before `forget_before`.
  bool remember(const std::string& node, const std::string& nonce, TimeMs seen,
                TimeMs forget_before);
  /// The nonces remembered as seen at or after `since`.
  static std::vector<SeenNonce> since(const Store& store, TimeMs since);

 private:
  Store::Writer& w_;
};

/// The ids of records shared with this node by a Sharing rule that it has taken.
class SharesTaken {
 public:
  explicit SharesTaken(Store::Writer& w) : w_(w) {}
  /// False if `id` was taken already. Forgets ids taken before `forget_before`.
  bool take(const std::string& id, TimeMs now, TimeMs forget_before);

 private:
  Store::Writer& w_;
};

/// Runtime grants and revocations (kind "grant" or "revocation", signed body), by id.
class PolicyUpdates {
 public:
  explicit PolicyUpdates(Store::Writer& w) : w_(w) {}
  /// False if one with that id is already kept.
  bool put(const std::string& id, const std::string& kind, const std::string& body);
  /// Every one kept, oldest first: (kind, body).
  static std::vector<std::pair<std::string, std::string>> all(const Store& store);
  /// The body of the one of `kind` kept last, if any.
  static std::optional<std::string> last(const Store& store, const std::string& kind);

 private:
  Store::Writer& w_;
};

/// An entry received but set aside: why, from whom, and when.
struct QuarantinedEntry {
  std::string origin, epoch;
  std::int64_t seq = 0;
  std::string type;
  std::string reason;
  std::string via;  ///< the peer that passed it on
  TimeMs at = 0;
};

/// Entries received and not applied, with the body as received, for an operator to read.
class Quarantine {
 public:
  explicit Quarantine(Store::Writer& w) : w_(w) {}
  void put(const QuarantinedEntry& entry, const std::string& body);
  static std::int64_t count(const Store& store);
  /// The most recently quarantined, newest first.
  static std::vector<QuarantinedEntry> recent(const Store& store, int limit);

 private:
  Store::Writer& w_;
};

}  // namespace ioc::federation
