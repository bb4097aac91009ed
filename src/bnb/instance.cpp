#include "bnb/instance.hpp"

#include <algorithm>
#include <cmath>

#include "detail/kkt.hpp"
#include "detail/negative_gamma.hpp"
#include "detail/small_buffer.hpp"

namespace focalrd::bnb {

Instance make_instance(const Problem& problem) {
  Instance in;
  in.gamma = problem.gamma();
  if (in.gamma > -1.0) in.log1p_gamma = std::log1p(in.gamma);
  if (in.gamma >= 0.0) in.elasticity = elasticity_bound(in.gamma);
  const std::vector<double>& r = problem.pmf();
  for (std::size_t a = 0; a < r.size(); ++a)
    if (r[a] > 0.0) in.symbol.push_back(a);
  std::stable_sort(in.symbol.begin(), in.symbol.end(),
                   [&](std::size_t a, std::size_t b) { return r[a] > r[b]; });
  in.n = in.symbol.size();
  in.K = std::min(problem.messages(), in.n);
  for (std::size_t t = 0; t < in.n; ++t) {
    in.r.push_back(r[in.symbol[t]]);
    in.log_r.push_back(std::log(in.r.back()));
    in.tied.push_back(t > 0 && in.r[t] == in.r[t - 1]);
  }
  in.mass.assign(in.n + 1, 0.0);
  in.entropy.assign(in.n + 1, 0.0);
  for (std::size_t t = in.n; t-- > 0;) {
    in.mass[t] = in.mass[t + 1] + in.r[t];
    in.entropy[t] = in.entropy[t + 1] - in.r[t] * in.log_r[t];
  }
  in.tail = in.n;
  in.singles.assign(in.n + 1, 0.0);
  in.whole = in.n == r.size();
  if (in.gamma < 0.0) {
    in.cap = detail::negative_gamma_cap(-in.gamma);
    for (std::size_t t = in.n; t-- > 0;)
      in.singles[t] = in.singles[t + 1] +
                      detail::negative_gamma_cell(&in.r[t], 1, in.gamma, true, nullptr).cost;
  }
  return in;
}

// With c = max(1, γ), (1-p)^γ >= 1 - c p and p ln(1/p) <= 1/e give
// h_u(θ) >= r_u (1 + ln(θ/r_u)) - c r_u / e, for every θ > 0 (for r_u >= θ,
// h_u = θ and z - ln z >= 1 covers it). It is below the exact sum by at most
// about c mass[t] / e.
double tail_bound(const Instance& in, std::size_t t, double x) {
  const double c = std::max(1.0, in.gamma);
  return in.mass[t] * (1.0 + x - c / std::exp(1.0)) + in.entropy[t];
}

void set_tail(Instance& in, double rel_gap, double upper) {
  const double c = std::max(1.0, in.gamma);
  const double allowed = 1e-3 * rel_gap * upper;
  in.tail = in.n;
  if (in.gamma < 0.0) return;  // tail_bound assumes γ >= 0
  while (in.tail > in.K && c * in.mass[in.tail - 1] / std::exp(1.0) <= allowed) --in.tail;
}

void set_tail_at(Instance& in, std::size_t tail) {
  in.tail = in.gamma < 0.0 ? in.n : std::min(std::max(tail, in.K), in.n);
}

namespace {

// γ < 0: the cell's global optimum (a symbol alone included) and its dual
// optimum. Where the cell is convex (β >= 1, or one symbol) the solver's
// multiplier gives both (its solve warm-started from `mu_hint`, the
// multiplier before the last symbol joined); otherwise the dual is maximised apart
// (negative_gamma_dual with M = 1), and kept no higher than the cost.
CellValue negative_cell(const Instance& in, const double* r, std::size_t k, const double* mu_hint,
                        std::uint64_t& solves) {
  const bool slack = !(in.whole && k == in.n);
  ++solves;
  const detail::NegativeCell cell = detail::negative_gamma_cell(r, k, in.gamma, slack, nullptr,
                                                                mu_hint ? std::exp(*mu_hint) : 0.0);
  if (!std::isnan(cell.lambda))
    return CellValue{cell.cost, cell.lambda > 0.0 ? std::log(cell.lambda) : -kInf, cell.cost};
  const detail::NegativeDual dual = detail::negative_gamma_dual(r, k, in.gamma, 1.0);
  return CellValue{cell.cost, dual.lambda > 0.0 ? std::log(dual.lambda) : -kInf,
                   std::min(dual.value, cell.cost)};
}

}  // namespace

CellValue solve_cell(const Instance& in, const std::vector<int>& members, const double* mu_hint,
                     std::uint64_t& solves, double* logits) {
  if (members.size() < 2 && in.gamma >= 0.0) return CellValue{};
  detail::SmallBuffer<double, 128> r(members.size()), log_r(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    r[i] = in.r[members[i]];
    log_r[i] = in.log_r[members[i]];
  }
  if (in.gamma < 0.0) return negative_cell(in, r.data(), members.size(), mu_hint, solves);
  ++solves;
  const detail::CellOptimum opt = detail::kkt_cell(r.data(), members.size(), in.gamma, nullptr,
                                                   mu_hint, logits, log_r.data());
  return CellValue{opt.cost, opt.mu, opt.cost};
}

std::vector<std::vector<std::size_t>> blocks_of(const Instance& in, const Problem& problem,
                                                const std::vector<int>& labels) {
  std::vector<std::vector<std::size_t>> blocks(std::max<std::size_t>(in.K, 1));
  for (std::size_t t = 0; t < in.n; ++t) blocks[labels[t]].push_back(in.symbol[t]);
  const std::vector<double>& r = problem.pmf();
  for (std::size_t a = 0; a < r.size(); ++a)
    if (r[a] == 0.0) blocks[0].push_back(a);
  blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                              [](const std::vector<std::size_t>& b) { return b.empty(); }),
               blocks.end());
  return blocks;
}

std::vector<int> canonical(std::vector<int> labels) {
  std::vector<int> map(labels.size() + 1, -1);
  int next = 0;
  for (int& l : labels) {
    if (map[l] < 0) map[l] = next++;
    l = map[l];
  }
  return labels;
}

}  // namespace focalrd::bnb
