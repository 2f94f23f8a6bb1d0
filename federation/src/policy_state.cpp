#include "policy_state.hpp"

#include <algorithm>
#include <filesystem>

#include "ioc/error.hpp"

namespace ioc::federation {

PolicyState::PolicyState(const FederationConfig& running)
    : PolicyState(std::make_shared<const FederationConfig>(running)) {}

PolicyState::PolicyState(std::shared_ptr<const FederationConfig> running)
    : running_(std::move(running)), files_(policy::load_policies(*running_)) {
  rebuild();
}

void PolicyState::rebuild() {
  policy::PolicySet merged = files_;
  merged.grants.insert(merged.grants.end(), runtime_.begin(), runtime_.end());
  engine_ = std::make_shared<const policy::Engine>(running_, std::move(merged), revoked_);
}

std::shared_ptr<const policy::Engine> PolicyState::engine() const {
  std::lock_guard lock(mutex_);
  return engine_;
}

std::shared_ptr<const FederationConfig> PolicyState::federation() const {
  std::lock_guard lock(mutex_);
  return running_;
}

std::string PolicyState::version() const {
  return engine()->policies().version;
}

std::string PolicyState::owner_for(const std::string& reporter, Domain domain,
                                   const std::string& area, Severity severity, TimeMs at) const {
  const auto e = engine();
  if (!e->has_authority()) return reporter;
  for (const auto& child : e->federation().children(reporter))
    if (e->federation().find(child)->kind == NodeKind::kAgency &&
        e->allows(policy::Question{child, policy::Action::kDispatch, domain, area, severity, at}))
      return child;
  return e->owner_for(reporter, domain, area, severity, at);
}

std::string PolicyState::escalation_target(const std::string& owner, Domain domain,
                                           const std::string& area, Severity severity,
                                           TimeMs at) const {
  const auto e = engine();
  if (e->has_authority()) return e->escalation_target(owner, domain, area, severity, at);
  const NodeConfig* self = e->federation().find(owner);
  return self && self->parent ? *self->parent : std::string();
}

namespace {

bool names_known_nodes(const FederationConfig& fed, const policy::Grant& g) {
  if (!fed.find(g.issuer)) return false;
  if (g.area != policy::kGranteeArea && !fed.find(g.area)) return false;
  return std::all_of(g.to.begin(), g.to.end(), [&](const auto& t) { return fed.find(t); });
}

}  // namespace

std::string PolicyState::reload(std::shared_ptr<const FederationConfig> fresh) {
  std::lock_guard writing(writer_mutex_);
  if (!fresh) fresh = std::make_shared<const FederationConfig>(load_federation(running_->path));
  std::optional<policy::PolicySet> from_root;
  std::string from_root_issuer;
  {
    std::lock_guard lock(mutex_);
    from_root = root_set_;
    from_root_issuer = root_set_issuer_;
  }
  // Below the root, a set the root sent stays in force: local files were only the start. After a
  // reorganisation it is read again against the new tree; a set from a node that is no longer
  // the root, or one that no longer loads, gives way to the local files until the root sends one.
  if (from_root && from_root_issuer != fresh->root()) from_root.reset();
  if (from_root && !same_tree(*fresh, *running_)) {
    try {
      auto version = from_root->version;
      from_root = policy::load_policies(*fresh, from_root->sources);
      from_root->version = std::move(version);
    } catch (const Error&) {
      from_root.reset();
    }
  }
  auto files = from_root ? *from_root : policy::load_policies(*fresh);
  std::lock_guard lock(mutex_);
  if (!from_root) {
    root_set_.reset();
    root_set_sent_ = 0;
  }
  files_ = std::move(files);
  running_ = std::move(fresh);
  // Runtime grants stay only while their nodes exist and they still lie inside their parent grant.
  std::vector<policy::Grant> kept;
  for (const auto& g : runtime_) {
    if (!names_known_nodes(*running_, g)) continue;
    const policy::Grant* parent = nullptr;
    for (const auto& f : files_.grants)
      if (f.id == g.parent) parent = &f;
    for (const auto& r : kept)
      if (r.id == g.parent) parent = &r;
    if (g.parent.empty() ? g.issuer == running_->root()
                         : parent && !policy::wider_than(*running_, g, *parent))
      kept.push_back(g);
  }
  runtime_ = std::move(kept);
  rebuild();
  return engine_->policies().version;
}

bool same_tree(const FederationConfig& a, const FederationConfig& b) {
  if (a.nodes.size() != b.nodes.size()) return false;
  for (const auto& n : a.nodes) {
    const NodeConfig* m = b.find(n.id);
    if (!m || m->parent != n.parent) return false;
  }
  return true;
}

policy::Grant PolicyState::check_grant(policy::Grant g, TimeMs now) const {
  const auto engine = this->engine();
  const auto& set = engine->policies();
  for (const auto& other : set.grants)
    if (other.id == g.id)
      throw Error(ErrorCode::kConflict, "id: a grant '" + g.id + "' already exists", "id");
  if (!g.valid_from) g.valid_from = now;
  if (!g.valid_until)
    throw Error(ErrorCode::kBadRequest, "validUntil: required; a runtime grant ends within 30 days",
                "validUntil");
  if (*g.valid_until <= *g.valid_from)
    throw Error(ErrorCode::kBadRequest, "validUntil: must be later than validFrom", "validUntil");
  if (*g.valid_until > now + kMaxRuntimeGrant)
    throw Error(ErrorCode::kForbidden,
                "validUntil: a runtime grant must end within 30 days (by " +
                    format_rfc3339(now + kMaxRuntimeGrant) + ")",
                "validUntil");
  if (g.issuer == engine->federation().root()) return g;
  const auto fit = policy::place_grant(engine->federation(), g, set.grants, [&](std::size_t i) {
    return engine->revoked().count(set.grants[i].id) == 0;
  });
  if (fit.parent) {
    g.parent = fit.parent->id;
    return g;
  }
  const auto& nearest = fit.nearest_miss;
  if (!nearest)
    throw Error(ErrorCode::kForbidden, "'" + g.issuer + "' holds no grant to delegate from", "id");
  throw Error(
      ErrorCode::kForbidden,
      nearest->key + ": the grant is wider than its issuer's authority: " + nearest->message,
      nearest->key);
}

void PolicyState::check_revocation(const std::string& grant_id, const std::string& by) const {
  const auto engine = this->engine();
  const auto& grants = engine->policies().grants;
  const auto find = [&grants](const std::string& id) -> const policy::Grant* {
    for (const auto& g : grants)
      if (g.id == id) return &g;
    return nullptr;
  };
  const policy::Grant* g = find(grant_id);
  if (!g) throw Error(ErrorCode::kNotFound, "grant: no grant '" + grant_id + "'", "grant");
  if (by == engine->federation().root()) return;
  for (const policy::Grant* link = g; link;
       link = link->parent.empty() ? nullptr : find(link->parent))
    if (link->issuer == by) return;
  throw Error(
      ErrorCode::kForbidden,
      "grant: '" + by + "' neither issued '" + grant_id + "' nor any grant above it in its chain",
      "grant");
}

std::vector<std::pair<std::string, std::string>> PolicyState::sources() const {
  const auto engine = this->engine();
  const auto dir = std::filesystem::path(engine->federation().path).parent_path();
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [path, text] : engine->policies().sources)
    out.emplace_back(std::filesystem::path(path).lexically_relative(dir).string(), text);
  return out;
}

void PolicyState::check_update(const PolicyUpdate& u, TimeMs now) const {
  const auto engine = this->engine();
  if (u.kind == "policy-set") {
    if (u.issuer != engine->federation().root())
      throw Error(ErrorCode::kForbidden,
                  "issuer: only the root sends policy sets, not '" + u.issuer + "'", "issuer");
  } else if (u.kind == "revocation") {
    for (const auto& [key, value] : u.body.items())
      if ((key != "id" && key != "grant" && key != "at" && key != "reason") || !value.is_string())
        throw Error(ErrorCode::kBadRequest, "revocation: " + key + ": unexpected field", key);
    if (!u.body.contains("grant"))
      throw Error(ErrorCode::kBadRequest, "revocation: grant: required", "grant");
    check_revocation(u.body["grant"].get<std::string>(), u.issuer);
  } else {
    check_grant(grant_from_json(u.body, engine->federation(), u.issuer), now);
  }
}

bool PolicyState::adopt(const PolicyUpdate& u, TimeMs now) {
  std::lock_guard writing(writer_mutex_);  // the tree cannot change under an adoption
  {
    std::lock_guard lock(mutex_);
    if (updates_.count(u.kind + ":" + u.id())) return false;
  }
  try {
    check_update(u, now);
  } catch (const Error&) {
    return false;  // it does not pass here (any more): not adopted
  }
  if (u.kind == "policy-set") {
    std::vector<std::pair<std::string, std::string>> files;
    // writer_mutex_ is held: running_ cannot be swapped under this adoption.
    const auto dir = std::filesystem::path(running_->path).parent_path();
    policy::PolicySet set;
    TimeMs sent = 0;
    try {
      sent = u.body.value("sent", TimeMs{0});
      for (const auto& f : u.body.at("files"))
        files.emplace_back((dir / f.at("path").get<std::string>()).lexically_normal().string(),
                           f.at("text").get<std::string>());
      set = policy::load_policies(*running_, std::move(files));
    } catch (const std::exception&) {
      return false;  // a set that does not load here is not adopted; the one in force stays
    }
    set.version = u.body.value("version", set.version);  // the version the root enforces
    std::lock_guard lock(mutex_);
    // Sets arrive in the order the root sent them; one sent before the set in force is a replay.
    if (root_set_ && sent <= root_set_sent_) return false;
    updates_.insert(u.kind + ":" + u.id());
    root_set_ = set;
    root_set_issuer_ = u.issuer;
    root_set_sent_ = sent;
    files_ = std::move(set);
    rebuild();
    return true;
  }
  if (u.kind == "revocation") {
    std::lock_guard lock(mutex_);
    updates_.insert(u.kind + ":" + u.id());
    revoked_.insert(u.body.value("grant", ""));
    rebuild();
    return true;
  }
  policy::Grant g = check_grant(grant_from_json(u.body, *running_, u.issuer), now);
  std::lock_guard lock(mutex_);
  updates_.insert(u.kind + ":" + u.id());
  runtime_.push_back(std::move(g));
  rebuild();
  return true;
}

namespace {

class PolicyAuthorizer final : public Authorizer {
 public:
  PolicyAuthorizer(const PolicyState& policies, std::string node_id)
      : policies_(policies), node_id_(std::move(node_id)) {}

  Decision decide(const AuthzRequest& r) const override {
    const auto engine = policies_.engine();
    if (!engine->has_authority())  // the ancestors of the tree in force, which may have changed
      return make_local_operator_authorizer(node_id_, engine->federation().ancestors(node_id_))
          ->decide(r);
    if (!role_allows(r.actor.role, Role::kOperator))
      return {false, "", "role '" + std::string(to_string(r.actor.role)) + "' may not act", "role"};
    const auto e = engine->explain(policy::Question{
        r.actor.node, policy::from_operator_action(r.action), r.domain, r.area, r.severity, r.at});
    if (!e.allowed) return {false, "", e.reason, e.field};
    return {true, e.chain.empty() ? "root" : e.chain.back(), "", ""};
  }

 private:
  const PolicyState& policies_;
  std::string node_id_;
};

}  // namespace

std::unique_ptr<Authorizer> make_policy_authorizer(const PolicyState& policies,
                                                   const std::string& node_id) {
  return std::make_unique<PolicyAuthorizer>(policies, node_id);
}

}  // namespace ioc::federation
