#include "retention.hpp"

#include <iostream>

namespace ioc {

void Retention::run_once() {
  const auto fed = ctx_.federation();
  const NodeConfig* self = fed->find(ctx_.node_id);
  const std::int64_t last = ctx_.store.last_event_seq();
  const std::int64_t cursor = self->parent ? ctx_.store.cursor(*self->parent) : last;
  // At most last - cursor entries wait unsent: no write at all while there is nothing to do.
  const bool prune = cursor > pruned_through_;
  const bool over_limit = self->parent && last - cursor > log_limit_;
  if (!prune && !over_limit) return;
  std::vector<LostRange> lost;
  ctx_.writes.run([&](WriteContext& w) {
    if (prune) w.writer.prune_events_through(cursor);
    if (over_limit) lost = w.writer.drop_unsent(cursor, log_limit_, ctx_.node_id, ctx_.clock.now());
  });
  pruned_through_ = cursor;
  for (const auto& r : lost)
    std::cerr << "iocd: retention dropped unsent entries " << r.origin << " " << r.epoch << " "
              << r.from_seq << "-" << r.to_seq << " (log limit " << log_limit_
              << "); the parent is told" << std::endl;
}

}  // namespace ioc
