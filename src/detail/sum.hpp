// Neumaier's compensated summation: the sum of many terms of one sign to
// about one rounding, in a fixed order (so the same bits on every machine).
#pragma once

#include <cmath>

namespace focalrd::detail {

class CompensatedSum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    carry_ += std::fabs(sum_) >= std::fabs(x) ? (sum_ - t) + x : (x - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + carry_; }

 private:
  double sum_ = 0.0, carry_ = 0.0;
};

}  // namespace focalrd::detail
