// A small JSON reader (RFC 8259) for focalrd's own files: checkpoints and, for
// `verify`, its JSON and JSON-lines outputs. Numbers keep their text, so that
// they are converted exactly where they are used. Bounded: nesting depth at
// most kMaxDepth; errors throw invalid_input with the offset.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace focalrd::detail {

class JsonValue {
 public:
  enum class Kind { null, boolean, number, string, array, object };
  static constexpr int kMaxDepth = 64;

  // Parses one JSON text (surrounding white space allowed); `what` names the
  // input in messages.
  static JsonValue parse(const std::string& text, const std::string& what);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }

  // Typed access; each throws invalid_input naming `what` on a wrong kind.
  bool as_bool(const std::string& what) const;
  double as_double(const std::string& what) const;  // finite or not, as written
  long long as_integer(const std::string& what) const;
  const std::string& as_string(const std::string& what) const;
  const std::vector<JsonValue>& as_array(const std::string& what) const;

  // Object members: find returns null when absent; at throws.
  const JsonValue* find(const std::string& key) const;
  const JsonValue& at(const std::string& key) const;
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }

 private:
  friend class JsonParser;
  Kind kind_ = Kind::null;
  bool boolean_ = false;
  std::string text_;  // string value, or a number's text
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

}  // namespace focalrd::detail
