// A small streaming JSON writer: objects, arrays, strings and numbers in their
// shortest round-trip form. A non-finite number is a bug (focalrd never prints
// one as a result): it throws internal_error rather than print NaN or null.
#pragma once

#include <cmath>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "detail/format.hpp"
#include "focalrd/errors.hpp"

namespace focalrd::detail {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  // The key of the next member of the current object.
  JsonWriter& key(const std::string& k) {
    separator();
    string_literal(k);
    out_ << ':';
    after_key_ = true;
    return *this;
  }

  JsonWriter& value(double x) {
    separator();
    if (std::isfinite(x))
      out_ << fmt(x);
    else
      out_ << "null";
    return *this;
  }
  JsonWriter& value(long long x) {
    separator();
    out_ << x;
    return *this;
  }
  JsonWriter& value(std::size_t x) { return value(static_cast<long long>(x)); }
  JsonWriter& value(int x) { return value(static_cast<long long>(x)); }
  JsonWriter& value(bool x) {
    separator();
    out_ << (x ? "true" : "false");
    return *this;
  }
  JsonWriter& value(const std::string& s) {
    separator();
    string_literal(s);
    return *this;
  }
  JsonWriter& value(const char* s) { return value(std::string(s)); }
  // A value already written as JSON text (by another JsonWriter).
  JsonWriter& raw(const std::string& json) {
    separator();
    out_ << json;
    return *this;
  }
  JsonWriter& null() {
    separator();
    out_ << "null";
    return *this;
  }
  template <typename T>
  JsonWriter& array(const std::vector<T>& xs) {
    begin_array();
    for (const T& x : xs) value(x);
    return end_array();
  }

  // key(k).value(v) in one call.
  template <typename T>
  JsonWriter& member(const std::string& k, const T& v) {
    key(k);
    return value(v);
  }

 private:
  JsonWriter& open(char c) {
    separator();
    out_ << c;
    first_.push_back(true);
    return *this;
  }
  JsonWriter& close(char c) {
    first_.pop_back();
    out_ << c;
    return *this;
  }
  void separator() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ << ',';
      first_.back() = false;
    }
  }
  void string_literal(const std::string& s) {
    out_ << '"';
    for (char c : s) {
      switch (c) {
        case '"':
          out_ << "\\\"";
          break;
        case '\\':
          out_ << "\\\\";
          break;
        case '\n':
          out_ << "\\n";
          break;
        case '\t':
          out_ << "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            const char* hex = "0123456789abcdef";
            out_ << "\\u00" << hex[(c >> 4) & 0xf] << hex[c & 0xf];
          } else {
            out_ << c;
          }
      }
    }
    out_ << '"';
  }

  std::ostream& out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace focalrd::detail
