#include "session_table.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "store_table.hpp"

namespace ioc::mqtt {

namespace {

// Each entry moves the schema one version forward; never edit one that has shipped.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE mqtt_sessions(connection TEXT PRIMARY KEY, session INTEGER NOT NULL,
  delivered INTEGER NOT NULL DEFAULT -1, filters TEXT NOT NULL DEFAULT '[]') WITHOUT ROWID;
CREATE TABLE mqtt_taken(connection TEXT NOT NULL, mid INTEGER NOT NULL, digest TEXT NOT NULL,
  session INTEGER NOT NULL, PRIMARY KEY(connection, mid)) WITHOUT ROWID;
)sql";

}  // namespace

StoreSchema mqtt_schema() {
  return StoreSchema{"mqtt", {kVersion1}};
}

SessionTable::Begun SessionTable::begin(const std::string& connection, bool resumed,
                                        const std::vector<std::string>& filters) {
  auto& db = w_.connection();
  auto& read =
      db.prepare("SELECT session, delivered, filters FROM mqtt_sessions WHERE connection=?");
  read.bind(1, connection);
  Begun out;
  std::int64_t delivered = -1;
  std::vector<std::string> held;
  if (read.executeStep()) {
    out.session = read.getColumn(0).getInt64() + 1;
    delivered = read.getColumn(1).getInt64();
    held = nlohmann::json::parse(read.getColumn(2).getString()).get<std::vector<std::string>>();
  }
  read.reset();
  if (resumed) {
    auto& taken = db.prepare("SELECT mid, digest FROM mqtt_taken WHERE connection=? AND session=?");
    taken.bind(1, connection);
    taken.bind(2, static_cast<int64_t>(delivered));
    while (taken.executeStep())
      out.redeliverable.emplace(taken.getColumn(0).getInt(), taken.getColumn(1).getString());
    taken.reset();
  } else {
    // The broker kept nothing: it delivers nothing again, and holds no subscription.
    auto& forget = db.prepare("DELETE FROM mqtt_taken WHERE connection=?");
    forget.bind(1, connection);
    forget.exec();
    held.clear();
  }
  for (const auto& f : filters)
    if (std::find(held.begin(), held.end(), f) == held.end()) out.subscribe.push_back(f);
  for (const auto& f : held)
    if (std::find(filters.begin(), filters.end(), f) == filters.end()) out.unsubscribe.push_back(f);
  auto& write = db.prepare(
      "INSERT INTO mqtt_sessions(connection, session, filters) VALUES(?, ?, ?) "
      "ON CONFLICT(connection) DO UPDATE SET session=excluded.session, filters=excluded.filters");
  write.bind(1, connection);
  write.bind(2, static_cast<int64_t>(out.session));
  write.bind(3, nlohmann::json(held).dump());
  write.exec();
  return out;
}

void SessionTable::subscribed(const std::string& connection,
                              const std::vector<std::string>& filters) {
  auto& st = w_.connection().prepare("UPDATE mqtt_sessions SET filters=? WHERE connection=?");
  st.bind(1, nlohmann::json(filters).dump());
  st.bind(2, connection);
  st.exec();
}

void SessionTable::taken(const std::string& connection, int mid, const std::string& digest,
                         std::int64_t session) {
  auto& st = w_.connection().prepare(
      "INSERT INTO mqtt_taken(connection, mid, digest, session) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(connection, mid) DO UPDATE SET digest=excluded.digest, "
      "session=excluded.session");
  st.bind(1, connection);
  st.bind(2, mid);
  st.bind(3, digest);
  st.bind(4, static_cast<int64_t>(session));
  st.exec();
}

void SessionTable::delivered(const std::string& connection, std::int64_t session) {
  auto& st = w_.connection().prepare("UPDATE mqtt_sessions SET delivered=? WHERE connection=?");
  st.bind(1, static_cast<int64_t>(session));
  st.bind(2, connection);
  st.exec();
}

}  // namespace ioc::mqtt
