#pragma once

// An operator's alert as POST /api/v1/alerts takes it (docs/api.md): checked field by field, every
// refusal an Error(kBadRequest) naming the field.
#include <nlohmann/json.hpp>

#include <string>

#include "ioc/model.hpp"

namespace ioc {

/// The message type a request asks for ("msgType", Alert when absent).
CapMsgType requested_msg_type(const nlohmann::json& body);

/// The alert a request describes, without what the node sets (identifier, sender, sent,
/// references). `body` holds only known fields; an Update or Cancel's body has been laid over
/// request_fields(earlier). Every text is valid UTF-8 (the JSON parser saw to it); the CAP XML
/// rendering keeps it well-formed whatever it holds.
Alert alert_from_request(const nlohmann::json& body, TimeMs now);

/// The request fields of an earlier alert, for an Update or Cancel to inherit what it does not
/// give.
nlohmann::json request_fields(const Alert& earlier);

/// The names of the fields a request may carry.
const std::vector<const char*>& alert_request_keys();

}  // namespace ioc
