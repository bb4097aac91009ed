// Scratch arrays for hot loops: on the stack up to N entries, on the heap beyond.
#pragma once

#include <array>
#include <cstddef>
#include <memory>

namespace focalrd::detail {

template <typename T, std::size_t N = 64>
class SmallBuffer {
 public:
  explicit SmallBuffer(std::size_t n) : data_(n <= N ? local_.data() : nullptr) {
    if (n > N) {
      heap_.reset(new T[n]);
      data_ = heap_.get();
    }
  }
  SmallBuffer(const SmallBuffer&) = delete;
  SmallBuffer& operator=(const SmallBuffer&) = delete;
  T* data() { return data_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

 private:
  std::array<T, N> local_;
  std::unique_ptr<T[]> heap_;
  T* data_;
};

}  // namespace focalrd::detail
