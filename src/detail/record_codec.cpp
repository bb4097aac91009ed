// Records as bytes (records.hpp): per field its name, a tag for the
// alternative it holds and its payload; lengths and numbers as 8 raw bytes
// (every rank of a run is the same binary on the same kind of machine).
#include <cstdint>
#include <cstring>

#include "detail/records.hpp"
#include "focalrd/errors.hpp"

namespace focalrd::detail {

namespace {

void put_u64(std::string& out, std::uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}

void put_text(std::string& out, const std::string& text) {
  put_u64(out, text.size());
  out += text;
}

struct Reader {
  const std::string& bytes;
  std::size_t at = 0;

  void need(std::uint64_t n) const {
    if (n > bytes.size() - at) throw invalid_input("a record's bytes end early");
  }
  std::uint64_t u64() {
    need(8);
    std::uint64_t v;
    std::memcpy(&v, bytes.data() + at, 8);
    at += 8;
    return v;
  }
  double real() {
    const std::uint64_t bits = u64();
    double x;
    std::memcpy(&x, &bits, 8);
    return x;
  }
  std::string text() {
    const std::uint64_t n = u64();
    need(n);
    std::string s = bytes.substr(at, n);
    at += n;
    return s;
  }
};

std::uint64_t bits_of(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, 8);
  return b;
}

}  // namespace

std::string encode_record(const Record& record) {
  std::string out;
  put_u64(out, record.fields.size());
  for (const auto& [name, value] : record.fields) {
    put_text(out, name);
    out += static_cast<char>(value.index());
    if (const auto* x = std::get_if<double>(&value)) put_u64(out, bits_of(*x));
    if (const auto* i = std::get_if<long long>(&value))
      put_u64(out, static_cast<std::uint64_t>(*i));
    if (const auto* b = std::get_if<bool>(&value)) out += static_cast<char>(*b);
    if (const auto* t = std::get_if<std::string>(&value)) put_text(out, *t);
    if (const auto* v = std::get_if<std::vector<double>>(&value)) {
      put_u64(out, v->size());
      for (double x : *v) put_u64(out, bits_of(x));
    }
  }
  return out;
}

Record decode_record(const std::string& bytes) {
  Reader in{bytes};
  Record record;
  const std::uint64_t fields = in.u64();
  for (std::uint64_t f = 0; f < fields; ++f) {
    std::string name = in.text();
    in.need(1);
    const int tag = bytes[in.at++];
    Field value;
    switch (tag) {
      case 0:
        break;
      case 1:
        value = in.real();
        break;
      case 2:
        value = static_cast<long long>(in.u64());
        break;
      case 3:
        in.need(1);
        value = bytes[in.at++] != 0;
        break;
      case 4:
        value = in.text();
        break;
      case 5: {
        const std::uint64_t n = in.u64();
        if (n > (bytes.size() - in.at) / 8) throw invalid_input("a record's bytes end early");
        std::vector<double> v(n);
        for (double& x : v) x = in.real();
        value = std::move(v);
        break;
      }
      default:
        throw invalid_input("a record's bytes hold an unknown field kind");
    }
    record.add(name, std::move(value));
  }
  if (in.at != bytes.size()) throw invalid_input("a record's bytes go on past its fields");
  return record;
}

}  // namespace focalrd::detail
