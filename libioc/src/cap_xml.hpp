#pragma once

#include <optional>
#include <string>

#include "ioc/model.hpp"

namespace ioc {

/// CAP 1.2 times: "2025-10-27T08:00:00+00:00" (no fractional seconds, explicit offset).
std::string cap_time(TimeMs t);

/// How a later message names `earlier` in its <references>: "sender,identifier,sent", each as
/// `earlier`'s CAP XML has it.
std::string cap_reference(const Alert& earlier);

/// "sender,identifier,sent" as CAP references an earlier message.
struct CapReference {
  std::string sender, identifier, sent;
};
/// nullopt if `text` is not three non-empty parts separated by commas.
std::optional<CapReference> parse_cap_reference(const std::string& text);

/// The identifier of the alert `message` takes out of force: what a Cancel references, or an
/// Update that is itself in force (an operator's); empty for an Alert, and for the Update an
/// escalation issues to say where its incident went (it informs; the alert stays in force).
std::string replaced_alert(const Alert& message);

/// Renders an alert as a CAP 1.2 XML document (urn:oasis:names:tc:emergency:cap:1.2): one
/// <info> per language, one <area>. Well-formed whatever the alert's texts hold.
std::string cap_xml(const Alert& alert);

/// The same <alert> element without the XML declaration, to embed in another document (an Atom
/// entry's content).
std::string cap_element(const Alert& alert);

}  // namespace ioc
