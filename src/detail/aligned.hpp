// A fixed-size array of doubles on 64-byte boundaries, so that the DP's rows
// of eight (detail/dp_rows.hpp) are whole cache lines.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace focalrd::detail {

class AlignedDoubles {
 public:
  AlignedDoubles() = default;
  AlignedDoubles(std::size_t size, double fill) : size_(size) {
    const std::size_t bytes = (size * sizeof(double) + 63) / 64 * 64;
    data_.reset(static_cast<double*>(std::aligned_alloc(64, bytes ? bytes : 64)));
    if (!data_) throw std::bad_alloc();
    for (std::size_t i = 0; i < size; ++i) data_[i] = fill;
  }
  double* data() { return data_.get(); }
  const double* data() const { return data_.get(); }
  double& operator[](std::size_t i) { return data_[i]; }
  double operator[](std::size_t i) const { return data_[i]; }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(double* p) const { std::free(p); }
  };
  std::unique_ptr<double[], Free> data_;
  std::size_t size_ = 0;
};

}  // namespace focalrd::detail
