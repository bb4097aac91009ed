#include "detail/json_read.hpp"

#include <charconv>
#include <cmath>

#include "focalrd/errors.hpp"
#include "focalrd/parse.hpp"

namespace focalrd::detail {

class JsonParser {
 public:
  JsonParser(const std::string& text, const std::string& what) : s_(text), what_(what) {}

  JsonValue document() {
    JsonValue v = value(0);
    space();
    if (i_ != s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw invalid_input(what_ + ": " + why + " at byte " + std::to_string(i_));
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool literal(const char* word) {
    std::size_t n = 0;
    while (word[n]) ++n;
    if (s_.compare(i_, n, word) != 0) return false;
    i_ += n;
    return true;
  }

  JsonValue value(int depth) {
    if (depth > JsonValue::kMaxDepth) fail("nesting deeper than 64 levels");
    space();
    if (i_ >= s_.size()) fail("unexpected end of input");
    JsonValue v;
    const char c = s_[i_];
    if (c == '{') {
      v.kind_ = JsonValue::Kind::object;
      ++i_;
      space();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return v;
      }
      for (;;) {
        space();
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected a member name");
        std::string key = string();
        space();
        if (i_ >= s_.size() || s_[i_] != ':') fail("expected ':'");
        ++i_;
        v.members_.emplace_back(std::move(key), value(depth + 1));
        space();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          return v;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.kind_ = JsonValue::Kind::array;
      ++i_;
      space();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return v;
      }
      for (;;) {
        v.items_.push_back(value(depth + 1));
        space();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') {
          ++i_;
          return v;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.kind_ = JsonValue::Kind::string;
      v.text_ = string();
      return v;
    }
    if (literal("true")) {
      v.kind_ = JsonValue::Kind::boolean;
      v.boolean_ = true;
      return v;
    }
    if (literal("false")) {
      v.kind_ = JsonValue::Kind::boolean;
      return v;
    }
    if (literal("null")) return v;
    // A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const std::size_t start = i_;
    auto digits = [&] {
      const std::size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > d;
    };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    const std::size_t first = i_;
    if (!digits()) fail("expected a value");
    if (s_[first] == '0' && i_ - first > 1) fail("a number with a leading zero");
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) fail("expected digits after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) fail("expected exponent digits");
    }
    v.kind_ = JsonValue::Kind::number;
    v.text_ = s_.substr(start, i_ - start);
    return v;
  }

  std::string string() {
    ++i_;  // the opening quote
    std::string out;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) break;
      const char e = s_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) fail("short \\u escape");
          unsigned code = 0;
          const auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, code, 16);
          if (ec != std::errc() || p != s_.data() + i_ + 4) fail("bad \\u escape");
          i_ += 4;
          // UTF-8 of the code unit (surrogates are kept as they are).
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default:
          fail("bad escape in a string");
      }
    }
    fail("unterminated string");
  }

  const std::string& s_;
  const std::string& what_;
  std::size_t i_ = 0;
};

JsonValue JsonValue::parse(const std::string& text, const std::string& what) {
  return JsonParser(text, what).document();
}

namespace {
[[noreturn]] void wrong(const std::string& what, const char* expected) {
  throw invalid_input(what + " should be " + expected);
}
}  // namespace

bool JsonValue::as_bool(const std::string& what) const {
  if (kind_ != Kind::boolean) wrong(what, "true or false");
  return boolean_;
}

double JsonValue::as_double(const std::string& what) const {
  if (kind_ != Kind::number) wrong(what, "a number");
  double v = 0.0;
  const auto [p, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  // Out of range (a subnormal or an overflow as written) reads as the nearest
  // double in the direction of the text; from_chars leaves v unset then.
  if (ec == std::errc::result_out_of_range) return std::strtod(text_.c_str(), nullptr);
  if (ec != std::errc() || p != text_.data() + text_.size()) wrong(what, "a number");
  return v;
}

long long JsonValue::as_integer(const std::string& what) const {
  if (kind_ != Kind::number) wrong(what, "an integer");
  long long v = 0;
  const auto [p, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc() || p != text_.data() + text_.size()) wrong(what, "an integer");
  return v;
}

const std::string& JsonValue::as_string(const std::string& what) const {
  if (kind_ != Kind::string) wrong(what, "a string");
  return text_;
}

const std::vector<JsonValue>& JsonValue::as_array(const std::string& what) const {
  if (kind_ != Kind::array) wrong(what, "an array");
  return items_;
}

const JsonValue* JsonValue::find(const std::string& key) const {
  if (kind_ != Kind::object) return nullptr;
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

const JsonValue& JsonValue::at(const std::string& key) const {
  const JsonValue* v = find(key);
  if (!v) throw invalid_input("missing member " + quoted(key));
  return *v;
}

}  // namespace focalrd::detail
