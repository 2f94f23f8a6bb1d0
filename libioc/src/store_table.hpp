#pragma once

// For a part of the library that owns tables in the node's store (StoreSchema): the connection
// its statements run on, given by Store::Writer::connection() inside a transaction and by
// Store::read.
#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <string>
#include <unordered_map>

namespace ioc::store_detail {

struct Connection {
  SQLite::Database db;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> cache;

  Connection(const std::string& path, int flags) : db(path, flags, 5000) {}

  // Statements are keyed by the address of their SQL literal; each is reset before reuse. One
  // that fails to prepare (a table a part has not created) is not cached.
  SQLite::Statement& prepare(const char* sql) {
    auto it = cache.find(sql);
    if (it == cache.end())
      return *cache.emplace(sql, std::make_unique<SQLite::Statement>(db, sql)).first->second;
    // tryReset: reset() would rethrow the error of this statement's last failed step, an error
    // already reported to the job that hit it.
    it->second->tryReset();
    it->second->clearBindings();
    return *it->second;
  }

  // A stepped but unreset statement keeps its read transaction open, which pins an old WAL
  // snapshot (and blocks checkpoints); release them all whenever the connection goes idle.
  void release() noexcept {
    for (auto& [_, st] : cache) st->tryReset();
  }
};

}  // namespace ioc::store_detail
