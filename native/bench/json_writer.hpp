#pragma once
/// A JSON object written field by field: the bench tools print one result
/// line of known keys and numbers, which needs no JSON library.

#include <cstdint>
#include <cstdio>
#include <string>

namespace chatlab::bench {

/// A JSON object written field by field. Names are written as given, so they
/// must need no escaping; so must a raw value, which is written verbatim.
class Json {
 public:
  /// Adds "name":raw, where raw is already JSON (an object, an array, null).
  Json& field(const char* name, const std::string& raw) {
    text_ += (text_.size() > 1 ? ",\"" : "\"") + std::string(name) + "\":" + raw;
    return *this;
  }

  /// Adds a number with six significant digits: enough for a figure in a report.
  Json& number(const char* name, double value) {
    char figure[32];
    std::snprintf(figure, sizeof figure, "%.6g", value);
    return field(name, figure);
  }

  /// Adds a whole number, exact.
  Json& count(const char* name, std::uint64_t value) { return field(name, std::to_string(value)); }

  /// Adds true or false.
  Json& flag(const char* name, bool value) { return field(name, value ? "true" : "false"); }

  /// The object so far, closed.
  std::string str() const { return text_ + "}"; }

 private:
  std::string text_ = "{";  ///< the opening brace and the fields so far, unclosed
};

}  // namespace chatlab::bench
