#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <map>
#include <string>

namespace ioc::test {

// Each table's columns (name, type, not null, primary key position) and each index's columns: what
// the statements rely on, whatever the SQL that made them.
inline std::map<std::string, std::string> store_shape(const std::string& file) {
  SQLite::Database db(file);
  std::map<std::string, std::string> out;
  SQLite::Statement objects(db,
                            "SELECT type, name, tbl_name FROM sqlite_master "
                            "WHERE name NOT LIKE 'sqlite_%' ORDER BY name");
  while (objects.executeStep()) {
    const std::string type = objects.getColumn(0).getString();
    const std::string name = objects.getColumn(1).getString();
    std::string& text = out[type + " " + name];
    if (type == "table") {
      SQLite::Statement cols(db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)");
      cols.bind(1, name);
      while (cols.executeStep())
        text += cols.getColumn(0).getString() + ":" + cols.getColumn(1).getString() + ":" +
                cols.getColumn(2).getString() + ":" + cols.getColumn(3).getString() + ";";
    } else {
      text = objects.getColumn(2).getString() + "(";
      SQLite::Statement cols(db, "SELECT name FROM pragma_index_info(?)");
      cols.bind(1, name);
      while (cols.executeStep()) text += cols.getColumn(0).getString() + ",";
      text += ")";
    }
  }
  return out;
}

}  // namespace ioc::test
