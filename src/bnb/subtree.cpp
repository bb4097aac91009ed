#include "bnb/subtree.hpp"

#include <algorithm>
#include <cmath>

#include "detail/kkt.hpp"
#include "detail/logit_batch.hpp"
#include "detail/small_buffer.hpp"

namespace focalrd::bnb {

Subtree::Subtree(const Instance& in, double rel_gap, const detail::Control& control, double x0)
    : in_(in),
      rel_gap_(rel_gap),
      control_(control),
      x0_(x0),
      saved_logits_(in.n),
      bound_(in, node_, control) {
  reset();
}

void Subtree::reset() {
  node_.cells.assign(in_.K, OpenCell{});
  node_.open = 0;
  node_.labels.assign(in_.n, -1);
  node_.cost = 0.0;
  bound_.reset(x0_);
  halted_ = false;
  out_ = TaskResult{};
}

double Subtree::root_bound() {
  reset();
  upper_ = kInf;
  return bound_.maximise(0, 0.0, kInf, 1e-4 * rel_gap_, nullptr);
}

TaskResult Subtree::run(const OpenNode& node, double upper, std::uint64_t budget) {
  reset();
  upper_ = upper;
  budget_ = budget;
  depth_limit_ = node.labels.size() + kMaxDepth;
  for (std::size_t t = 0; t < node.labels.size(); ++t)
    place(t, static_cast<std::size_t>(node.labels[t]));
  dfs(node.labels.size(), node.bound, nullptr);
  return std::move(out_);
}

Subtree::Undo Subtree::place(std::size_t t, std::size_t j, double start, const Joined* joined) {
  const Undo undo{j, node_.cells[j].value, node_.cost};
  if (j == node_.open) ++node_.open;
  OpenCell& cell = node_.cells[j];
  saved_logits_[t] = cell.logits;
  cell.members.push_back(static_cast<int>(t));
  if (joined) {
    cell.logits = joined->logits;
    cell.value = joined->value;
  } else {
    cell.logits.push_back(start);  // NaN: solve_budget starts t from the asymptotes of ℓ
    const double hint = undo.value.mu;
    cell.value = solve_cell(in_, cell.members, std::isfinite(hint) ? &hint : nullptr, out_.solves,
                            cell.logits.data());
  }
  node_.cost += cell.value.cost - undo.value.cost;
  node_.labels[t] = static_cast<int>(j);
  return undo;
}

void Subtree::solve_pair(std::size_t t, std::size_t j1, double start1, std::size_t j2,
                         double start2, Joined& first, Joined& second) {
  // As place's solve_cell for each, with both in one call.
  double r[2][4], log_r[2][4], hint[2];
  detail::CellRequest req[2];
  Joined* out[2] = {&first, &second};
  const std::size_t cell_of[2] = {j1, j2};
  const double start[2] = {start1, start2};
  for (int c = 0; c < 2; ++c) {
    const OpenCell& cell = node_.cells[cell_of[c]];
    const std::size_t k = cell.members.size() + 1;
    for (std::size_t i = 0; i + 1 < k; ++i) {
      r[c][i] = in_.r[cell.members[i]];
      log_r[c][i] = in_.log_r[cell.members[i]];
    }
    r[c][k - 1] = in_.r[t];
    log_r[c][k - 1] = in_.log_r[t];
    out[c]->logits = cell.logits;
    out[c]->logits.push_back(start[c]);
    hint[c] = cell.value.mu;
    req[c] = {r[c], k, std::isfinite(hint[c]) ? &hint[c] : nullptr, out[c]->logits.data(),
              log_r[c]};
  }
  detail::CellOptimum opt[2];
  detail::kkt_cell_pair(req, in_.gamma, opt);
  for (int c = 0; c < 2; ++c) out[c]->value = CellValue{opt[c].cost, opt[c].mu, opt[c].cost};
  out_.solves += 2;
}

void Subtree::unplace(std::size_t t, const Undo& undo) {
  node_.labels[t] = -1;
  node_.cost = undo.cost;
  OpenCell& cell = node_.cells[undo.cell];
  cell.members.pop_back();
  std::swap(cell.logits, saved_logits_[t]);
  cell.value = undo.value;
  if (cell.members.empty()) --node_.open;
}

void Subtree::emit(std::size_t t, int j, double bound) {
  OpenNode open;
  open.labels.assign(node_.labels.begin(), node_.labels.begin() + static_cast<long>(t));
  if (j >= 0) open.labels.push_back(j);
  open.bound = bound;
  out_.open.push_back(std::move(open));
}

void Subtree::dfs(std::size_t t, double parent_lb, const NodeBound::Point* start) {
  // The budget, and the run's limits (polled every 16 nodes): stop here and
  // leave this node, and every later sibling on the way up, open.
  if (out_.nodes >= budget_ || ((out_.nodes & 15) == 0 && control_.stop())) {
    halted_ = true;
    out_.stopped = control_.stop();
    emit(t, -1, parent_lb);
    return;
  }
  // Deeper than kMaxDepth below the search's node: left open, a later
  // search starts from it (the recursion's stack stays bounded).
  if (t >= depth_limit_) {
    emit(t, -1, parent_lb);
    return;
  }
  ++out_.nodes;
  // Few enough symbols left for one cell each: the best completion is known.
  if (in_.n - t <= in_.K - node_.open) {
    leaf(t);
    return;
  }
  const double lb =
      std::max(parent_lb, bound_.maximise(t, node_.cost, threshold(), 1e-4 * rel_gap_, start));
  if (lb >= threshold()) {
    prune(lb);
    return;
  }
  if (t >= in_.tail && close_with_tail(t, lb)) return;
  // The point and cell sums the children start from.
  NodeBound::Point here = bound_.last();
  bound_.complete_next(t, here);
  // A start for t's logit in an open cell of multiplier μ: at the node's θ it
  // solves ℓ(s) = x - ln r_t exactly, so s + (μ - x) / ℓ'(s) is the root of
  // ℓ's tangent there. For γ >= 1 the least of that root and the asymptotes'
  // (log_phi_inverse_guess), the largest for γ < 1: ℓ's slope runs from -1 to
  // -γ, so where it bends most (towards -γ) it is concave for γ > 1 and
  // tangents' roots lie above the true one. A heuristic (Newton's method
  // corrects any start): at γ = 10 it saves one pass in five; no change at
  // γ <= 4.
  const double s_t = bound_.logit(t), slope_t = here.p_t * (1.0 - here.p_t) / here.dp_t;
  auto start_in = [&](double mu) {
    if (in_.gamma < 0.0 || !here.exact_next || !std::isfinite(mu) || !(slope_t < 0.0)) return kNaN;
    const double guess =
        detail::log_phi_inverse_guess(mu - in_.log_r[t], in_.gamma, in_.log1p_gamma);
    const double tangent = s_t + (mu - here.x) / slope_t;
    if (!std::isfinite(tangent)) return guess;
    return in_.gamma >= 1.0 ? std::min(tangent, guess) : std::max(tangent, guess);
  };
  detail::SmallBuffer<double> sums_h(in_.K), sums_p(in_.K), sums_dp(in_.K);
  std::copy(bound_.cell_h.begin(), bound_.cell_h.end(), sums_h.data());
  std::copy(bound_.cell_p.begin(), bound_.cell_p.end(), sums_p.data());
  std::copy(bound_.cell_dp.begin(), bound_.cell_dp.end(), sums_dp.data());
  // Each child's bound at the parent's θ costs no cell solve: Ψ itself,
  // raised by h_t(λ*_j) - h_t(θ) when cell j is not raised (λ*_j >= θ), since
  // then c(C_j ∪ {t}) >= c(C_j) + h_t(λ*_j) by weak duality and λ*_j only grows;
  // when it is raised, by raised_join_gain (most children end there, unsolved).
  const std::size_t first = in_.tied[t] ? static_cast<std::size_t>(node_.labels[t - 1]) : 0;
  const std::size_t last = node_.open < in_.K ? node_.open : node_.open - 1;
  const double x = here.x, psi = here.value, h_t = here.h_t, theta = here.theta;
  // The exact gain only where it may decide the pruning.
  auto join_gain = [&](double S) {
    const double below = raised_join_gain_below(S, in_.elasticity, theta);
    if (psi + below >= threshold() || psi + raised_join_gain_above(S, theta) < threshold())
      return below;
    return raised_join_gain(S, in_.elasticity, theta);
  };
  struct Child {
    std::size_t cell;
    double bound;
    double mu;  // the cell's multiplier before t joins (order among ties)
  };
  detail::SmallBuffer<Child> children(last - first + 1);
  std::size_t count = 0;
  for (std::size_t j = first; j <= last; ++j) {
    const double mu = j < node_.open ? node_.cells[j].value.mu : -kInf;
    Child c{j, std::max(lb, psi), mu};
    if (j < node_.open && mu >= x)
      c.bound = std::max(c.bound, psi - h_t + bound_.h_at(t, mu));
    else if (j < node_.open && mu < x && here.exact_next)  // raised, as evaluate decides
      c.bound = std::max(c.bound, psi + join_gain(sums_p[j] + here.p_t));
    children[count++] = c;
  }
  // In order of bounds, ties by μ, stably (an insertion sort: at most K + 1 children).
  for (std::size_t i = 1; i < count; ++i) {
    const Child c = children[i];
    std::size_t k = i;
    for (; k > 0 && (c.bound < children[k - 1].bound ||
                     (c.bound == children[k - 1].bound && c.mu < children[k - 1].mu));
         --k)
      children[k] = children[k - 1];
    children[k] = c;
  }
  const bool pairs = in_.gamma > 0.0 && detail::math_path() == detail::MathPath::avx512;
  Joined now, ahead;
  std::size_t ahead_for = count;  // the child whose cell is solved ahead, if any
  for (std::size_t i = 0; i < count; ++i) {
    const Child c = children[i];
    if (c.bound >= threshold()) {
      prune(c.bound);
      continue;
    }
    if (halted_) {  // stopped below: the rest stays open
      emit(t, static_cast<int>(c.cell), c.bound);
      continue;
    }
    const bool opened = c.cell == node_.open;
    // Where two cells fit the halves of one vector, this child's joined cell
    // is solved together with the next sibling's that is still open, which
    // then finds it done (the node's state is restored exactly by then).
    const Joined* joined = nullptr;
    if (ahead_for == i) {
      joined = &ahead;
    } else if (pairs && !opened && node_.cells[c.cell].members.size() < 4) {
      std::size_t next = i + 1;
      while (next < count && children[next].bound >= threshold()) ++next;
      if (next < count && children[next].cell < node_.open &&
          node_.cells[children[next].cell].members.size() < 4) {
        solve_pair(t, c.cell, start_in(c.mu), children[next].cell, start_in(children[next].mu),
                   now, ahead);
        ahead_for = next;
        joined = &now;
      }
    }
    const Undo undo = place(t, c.cell, start_in(c.mu), joined);
    if (node_.cost >= threshold()) {  // monotonicity: completions cost at least this
      prune(node_.cost);
    } else if (here.exact_next) {
      // The child's Ψ at the parent's θ, exactly and without evaluations.
      std::copy(sums_h.data(), sums_h.data() + in_.K, bound_.cell_h.begin());
      std::copy(sums_p.data(), sums_p.data() + in_.K, bound_.cell_p.begin());
      std::copy(sums_dp.data(), sums_dp.data() + in_.K, bound_.cell_dp.begin());
      const auto child =
          bound_.child_point(here, c.cell, opened, undo.value, node_.cells[c.cell].value);
      const double child_lb = std::max({c.bound, node_.cost, child ? child->value : -kInf});
      if (child_lb >= threshold()) {
        prune(child_lb);
      } else {
        bound_.set_x(x);
        dfs(t + 1, child_lb, child ? &*child : nullptr);
      }
    } else {
      bound_.set_x(x);
      dfs(t + 1, c.bound, nullptr);
    }
    unplace(t, undo);
    bound_.set_x(x);
  }
}

bool Subtree::close_with_tail(std::size_t t, double lb) {
  // Completes the node by putting every remaining symbol into one cell (a new
  // one, or the open cell of least multiplier, whichever costs less). If the
  // node's bound is within the gap of that completion (or of the incumbent),
  // no other completion can matter: the node is closed, its bound kept.
  std::size_t best_cell = in_.K;
  double best_value = kInf;
  std::vector<int> rest;
  for (std::size_t u = t; u < in_.n; ++u) rest.push_back(static_cast<int>(u));
  auto consider = [&](std::size_t j) {
    std::vector<int> members = node_.cells[j].members;
    members.insert(members.end(), rest.begin(), rest.end());
    const double hint = node_.cells[j].value.mu;
    const CellValue v =
        solve_cell(in_, members, std::isfinite(hint) ? &hint : nullptr, out_.solves);
    const double value = node_.cost - node_.cells[j].value.cost + v.cost;
    if (value < best_value) {
      best_value = value;
      best_cell = j;
    }
  };
  if (node_.open < in_.K) consider(node_.open);
  std::size_t cheapest = 0;
  for (std::size_t j = 1; j < node_.open; ++j)
    if (node_.cells[j].value.mu < node_.cells[cheapest].value.mu) cheapest = j;
  if (node_.open > 0) consider(cheapest);
  const double reference = std::min(upper_, best_value);
  if (lb < reference - rel_gap_ * reference) return false;
  if (best_value < upper_) {
    upper_ = best_value;
    out_.best = best_value;
    out_.labels = node_.labels;
    for (std::size_t u = t; u < in_.n; ++u) out_.labels[u] = static_cast<int>(best_cell);
  }
  prune(lb);
  return true;
}

void Subtree::leaf(std::size_t t) {
  // Completes the node with one new cell per remaining symbol: each costs its
  // least possible (0 for γ > -1, r_u min g below), the other cells nothing more.
  const double value = node_.cost + in_.singles[t];
  if (value < upper_) {
    upper_ = value;
    out_.best = value;
    out_.labels = node_.labels;
    std::size_t next = node_.open;
    for (std::size_t u = t; u < in_.n; ++u) out_.labels[u] = static_cast<int>(next++);
  }
}

}  // namespace focalrd::bnb
