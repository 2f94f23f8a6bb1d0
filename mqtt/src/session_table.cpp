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
  std::vector<std::string> held;
  if (read.executeStep()) {
    out.session = read.getColumn(0).getInt64() + 1;
    out.redelivers_from = read.getColumn(1).getInt64();
    held = nlohmann::json::parse(read.getColumn(2).getString()).get<std::vector<std::string>>();
  }
  read.reset();
  if (!resumed) {
    auto& forget = db.prepare("DELETE FROM mqtt_taken WHERE connection=?");
    forget.bind(1, connection);
    forget.exec();
    out.redelivers_from = -1;
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

bool SessionTable::taken_before(const std::string& connection, int mid, const std::string& digest,
                                std::int64_t session, std::int64_t redelivers_from) {
  auto& db = w_.connection();
  auto& read = db.prepare("SELECT digest, session FROM mqtt_taken WHERE connection=? AND mid=?");
  read.bind(1, connection);
  read.bind(2, mid);
  const bool again = read.executeStep() && read.getColumn(0).getString() == digest &&
                     read.getColumn(1).getInt64() == redelivers_from && redelivers_from >= 0;
  read.reset();
  auto& write = db.prepare(
      "INSERT INTO mqtt_taken(connection, mid, digest, session) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(connection, mid) DO UPDATE SET digest=excluded.digest, "
      "session=excluded.session");
  write.bind(1, connection);
  write.bind(2, mid);
  write.bind(3, digest);
  write.bind(4, static_cast<int64_t>(session));
  write.exec();
  return again;
}

void SessionTable::delivered(const std::string& connection, std::int64_t session) {
  auto& st = w_.connection().prepare("UPDATE mqtt_sessions SET delivered=? WHERE connection=?");
  st.bind(1, static_cast<int64_t>(session));
  st.bind(2, connection);
  st.exec();
}

}  // namespace ioc::mqtt
