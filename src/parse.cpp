#include "focalrd/parse.hpp"

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <charconv>
#include <climits>
#include <cmath>
#include <sstream>
#include <type_traits>

#include "detail/format.hpp"
#include "focalrd/errors.hpp"
#include "focalrd/limits.hpp"

namespace focalrd {

std::string printable(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string quoted(const std::string& text) {
  std::string p = printable(text);
  if (p.size() > limits::kMaxEchoChars) {
    std::size_t cut = limits::kMaxEchoChars - 3;
    // Do not split a UTF-8 sequence: back up to the start of one.
    while (cut > 0 && (static_cast<unsigned char>(p[cut]) & 0xC0) == 0x80) --cut;
    p = p.substr(0, cut) + "...";
  }
  return "'" + p + "'";
}

namespace {

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

[[noreturn]] void out_of_range(const std::string& token, const std::string& what) {
  throw invalid_input(what + ": " + quoted(token) +
                      " is not 0 but outside the range of normal doubles (magnitudes from "
                      "2.2250738585072014e-308 to 1.7976931348623157e+308); focalrd never rounds "
                      "input to 0, to a subnormal or to infinity");
}

// One decimal number (no fraction); `token` is the whole input, for messages.
double parse_decimal(const std::string& s, const std::string& token, const std::string& what) {
  const char* begin = s.data();
  const char* end = begin + s.size();
  if (begin != end && *begin == '+' && end - begin > 1 && begin[1] != '-') ++begin;
  double v = 0.0;
  const auto [stop, ec] = std::from_chars(begin, end, v);
  if (s.empty() || stop != end || ec == std::errc::invalid_argument)
    throw invalid_input(what + ": " + quoted(token) + " is not a number");
  if (ec == std::errc::result_out_of_range || (v != 0.0 && std::fabs(v) < DBL_MIN))
    out_of_range(token, what);
  return v;
}

}  // namespace

double parse_number(const std::string& token, const std::string& what) {
  const std::string t = trim(token);
  const auto slash = t.find('/');
  if (slash == std::string::npos) return parse_decimal(t, token, what);
  const double num = parse_decimal(trim(t.substr(0, slash)), token, what);
  const double den = parse_decimal(trim(t.substr(slash + 1)), token, what);
  if (den == 0.0) throw invalid_input(what + ": " + quoted(token) + " divides by zero");
  const double v = num / den;
  if (std::isfinite(num) && std::isfinite(den) &&
      (!std::isfinite(v) || (num != 0.0 && !(std::fabs(v) >= DBL_MIN))))
    out_of_range(token, what);
  return v;
}

std::vector<double> parse_number_list(const std::string& text, const std::string& what) {
  std::string body = text;
  // Allow one pair of surrounding brackets, as in "[1/3, 1/3, 1/3]".
  const auto first = body.find_first_not_of(" \t\r\n");
  const auto last = body.find_last_not_of(" \t\r\n");
  if (first != std::string::npos && body[first] == '[') {
    if (body[last] != ']') throw invalid_input(what + ": '[' without a closing ']'");
    body = body.substr(first + 1, last - first - 1);
  }
  std::vector<double> out;
  std::string token;
  bool pending_comma = false;  // a comma seen since the last number
  auto flush = [&]() {
    if (token.empty()) return;
    if (out.size() == limits::kMaxSymbols)
      throw too_large(what + " has more than " + std::to_string(limits::kMaxSymbols) +
                      " entries, the limit of focalrd's alphabets");
    out.push_back(parse_number(token, what));
    token.clear();
    pending_comma = false;
  };
  for (char c : body) {
    if (c == ',') {
      if (token.empty() && (out.empty() || pending_comma))
        throw invalid_input(what + ": empty entry in " + quoted(text));
      flush();
      pending_comma = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      flush();
    } else {
      token += c;
    }
  }
  if (token.empty() && pending_comma)
    throw invalid_input(what + ": empty entry in " + quoted(text));
  flush();
  if (out.empty()) throw invalid_input(what + " is empty; give at least one number");
  return out;
}

long long parse_integer(const std::string& text, const std::string& what, long long lo,
                        long long hi) {
  const std::string t = trim(text);
  const char* begin = t.data();
  const char* end = begin + t.size();
  if (begin != end && *begin == '+' && end - begin > 1 && begin[1] != '-') ++begin;
  long long v = 0;
  const auto [stop, ec] = std::from_chars(begin, end, v);
  const auto range = [&] {
    return "; violated constraint: " + std::to_string(lo) + " <= " + what +
           " <= " + std::to_string(hi);
  };
  if (t.empty() || stop != end || ec == std::errc::invalid_argument)
    throw invalid_input(what + " is " + quoted(text) + "; " + what + " must be an integer");
  if (ec == std::errc::result_out_of_range) throw invalid_input(what + " is " + t + range());
  if (v < lo || v > hi) throw invalid_input(what + " is " + std::to_string(v) + range());
  return v;
}

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(trim(item));
  if (!text.empty() && text.back() == sep) out.push_back("");
  return out;
}

// Decimal places of a plain decimal such as "0.05" (-1 for other forms).
int decimals(const std::string& token) {
  if (token.find_first_not_of("+-0123456789.") != std::string::npos) return -1;
  const auto dot = token.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(token.size() - dot - 1);
}

// 128-bit integers for range arithmetic that cannot overflow.
__extension__ using Int128 = __int128;

[[noreturn]] void too_many(const std::string& what, const std::string& item, double count) {
  throw too_large(what + ": " + quoted(item) + " has " +
                  (std::isfinite(count) ? detail::fmt_short(count) : "more than 1e+308") +
                  " values; a grid has at most " + std::to_string(limits::kMaxGridPoints));
}

template <typename T, typename Parse>
std::vector<T> parse_grid(const std::string& text, const std::string& what, Parse parse) {
  if (trim(text).empty())
    throw invalid_input(what + " is empty; give a value, a list or a range a:b or a:step:b");
  std::vector<T> out;
  for (const std::string& item : split(text, ',')) {
    if (item.empty()) throw invalid_input(what + ": empty entry in " + quoted(text));
    const std::vector<std::string> parts = split(item, ':');
    if (parts.size() == 1) {
      out.push_back(parse(parts[0]));
    } else {
      if (parts.size() > 3)
        throw invalid_input(what + ": " + quoted(item) + " is not a range a:b or a:step:b");
      const T a = parse(parts.front()), b = parse(parts.back());
      const T step = parts.size() == 3 ? parse(parts[1]) : T(1);
      if (step == T(0)) throw invalid_input(what + ": the step of " + quoted(item) + " is 0");
      std::size_t count = 0;
      if constexpr (std::is_integral_v<T>) {
        // In 128 bits: b - a cannot overflow.
        const Int128 span = (static_cast<Int128>(b) - a) / step;
        if (static_cast<Int128>(b) != a && (static_cast<Int128>(b) - a < 0) != (step < 0))
          throw invalid_input(what + ": the range " + quoted(item) + " is empty");
        if (span + 1 > static_cast<Int128>(limits::kMaxGridPoints))
          too_many(what, item, static_cast<double>(span) + 1.0);
        count = static_cast<std::size_t>(span) + 1;
      } else {
        if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(step))
          throw invalid_input(what + ": the range " + quoted(item) +
                              " has a non-finite end or step");
        const double span = (b - a) / step;  // +-inf when b - a overflows
        if (!(span >= -1e-9))
          throw invalid_input(what + ": the range " + quoted(item) + " is empty");
        if (!(span + 1.0 <= static_cast<double>(limits::kMaxGridPoints)))
          too_many(what, item, std::floor(span + 1e-9) + 1.0);
        count = static_cast<std::size_t>(std::floor(span + 1e-9)) + 1;
      }
      int places = -1;
      if constexpr (std::is_floating_point_v<T>)
        if (parts.size() == 3) places = std::max(decimals(parts[0]), decimals(parts[1]));
      for (std::size_t i = 0; i < count; ++i) {
        T v;
        if constexpr (std::is_integral_v<T>) {
          v = static_cast<T>(static_cast<Int128>(a) + static_cast<Int128>(i) * step);
        } else {
          v = a + static_cast<T>(i) * step;
          if (places >= 0 && places <= 15) {
            const double scale = std::pow(10.0, places);
            const double rounded = std::round(v * scale) / scale;
            if (std::isfinite(rounded)) v = rounded;
          }
          if (std::fabs(v - b) < 1e-9 * std::fabs(step)) v = b;
        }
        out.push_back(v);
      }
    }
    if (out.size() > limits::kMaxGridPoints) too_many(what, text, static_cast<double>(out.size()));
  }
  return out;
}

}  // namespace

std::vector<double> parse_real_grid(const std::string& text, const std::string& what) {
  return parse_grid<double>(text, what,
                            [&](const std::string& s) { return parse_number(s, what); });
}

std::vector<long long> parse_integer_grid(const std::string& text, const std::string& what) {
  return parse_grid<long long>(text, what, [&](const std::string& s) {
    return parse_integer(s, what, LLONG_MIN, LLONG_MAX);
  });
}

std::vector<std::string> expand_family_grid(const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos) return {spec};
  const std::string what = "family grid " + quoted(spec);
  std::vector<std::vector<std::string>> choices;
  std::size_t count = 1;
  for (const std::string& arg : split(spec.substr(colon + 1), ',')) {
    std::vector<std::string> values;
    for (const std::string& item : split(arg, '|')) {
      const auto dots = item.find("..");
      if (dots == std::string::npos) {
        values.push_back(item);  // as written
        continue;
      }
      // a..b or a..b..step, as the grid a:b or a:step:b
      const std::string a = item.substr(0, dots), rest = item.substr(dots + 2);
      const auto more = rest.find("..");
      const std::string grid = more == std::string::npos
                                   ? a + ":" + rest
                                   : a + ":" + rest.substr(more + 2) + ":" + rest.substr(0, more);
      for (double v : parse_real_grid(grid, what)) values.push_back(detail::fmt(v));
    }
    if (values.empty()) throw invalid_input(what + ": an empty argument");
    count *= values.size();
    if (count > limits::kMaxGridPoints)
      throw too_large(what + " has more than " + std::to_string(limits::kMaxGridPoints) +
                      " sources; a grid has at most " + std::to_string(limits::kMaxGridPoints));
    choices.push_back(std::move(values));
  }
  std::vector<std::string> out;
  std::vector<std::size_t> at(choices.size(), 0);
  for (std::size_t k = 0; k < count; ++k) {
    std::string s = spec.substr(0, colon + 1);
    for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? "," : "") + choices[i][at[i]];
    out.push_back(s);
    for (std::size_t i = choices.size(); i-- > 0;) {  // the last argument varies fastest
      if (++at[i] < choices[i].size()) break;
      at[i] = 0;
    }
  }
  return out;
}

double parse_bytes(const std::string& text, const std::string& what) {
  std::string digits = trim(text);
  double unit = 1.0;
  if (!digits.empty()) {
    const auto at = std::string("KMGT").find(
        static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back()))));
    if (at != std::string::npos) {
      unit = std::ldexp(1.0, 10 * static_cast<int>(at + 1));
      digits.pop_back();
    }
  }
  const double bytes = parse_number(digits, what) * unit;
  if (!(bytes > 0.0) || !std::isfinite(bytes))
    throw invalid_input(what + " is " + quoted(text) + "; it must be a positive number of bytes");
  return bytes;
}

}  // namespace focalrd
