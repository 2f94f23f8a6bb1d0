#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ioc {

/// What kind of failure an Error is; each maps to one HTTP status at the API boundary.
enum class ErrorCode {
  kBadRequest,        ///< 400: malformed or invalid input
  kUnauthorized,      ///< 401: missing or invalid credentials
  kForbidden,         ///< 403: authenticated but not allowed
  kNotFound,          ///< 404: unknown route or id
  kConflict,          ///< 409: state does not allow the request
  kPayloadTooLarge,   ///< 413: body or batch over its limit
  kUnsupportedMedia,  ///< 415: wrong content type
  kTooManyRequests,   ///< 429: back-pressure
  kUnavailable,       ///< 503: not ready or shutting down
  kInternal,          ///< 500: a bug or an unexpected storage failure
  kConfig,            ///< invalid configuration file (file:line:col in the message)
};

/// Stable machine-readable name of a code ("bad_request", ...).
std::string_view code_name(ErrorCode code);
/// The HTTP status an ErrorCode is answered with.
int http_status(ErrorCode code);

/// The one error type of libioc: a code, a human message, and the field or key it concerns.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::string field = {})
      : std::runtime_error(std::move(message)), code_(code), field_(std::move(field)) {}

  ErrorCode code() const noexcept { return code_; }
  /// The input field, element path or config key this error names; empty when none applies.
  const std::string& field() const noexcept { return field_; }

 private:
  ErrorCode code_;
  std::string field_;
};

}  // namespace ioc
