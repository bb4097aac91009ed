// The exact optimum against the independent high-precision reference values
// (data/reference/README.md): agreement to 1e-9 relative (1e-12 absolute).
#include "support/reference.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <iomanip>

#include "focalrd/search.hpp"
#include "focalrd/tolerances.hpp"

using namespace focalrd;

namespace {

const double kBits = 1.0 / std::log(2.0);

// Checks d*, the reported code, and that the reference's own partition costs
// what we found (ties may allow a different optimal partition).
void check_case(const test::Tree& c, const Source& source, CellSolverType solver) {
  const long long M = c.get<long long>("M");
  const double gamma = test::number(c, "gamma");
  const double expected = test::number(c, "dstar");
  ExactOptions options;
  options.cell_solver = solver;
  const Problem problem(source, M, gamma);
  const ExactResult r = solve_exact(problem, options);
  INFO(std::setprecision(17) << source.label() << " M=" << M << " gamma=" << gamma
                             << " solver=" << to_string(solver) << " got " << r.value * kBits
                             << " expected " << expected);
  CHECK(tol::agrees(r.value * kBits, expected, tol::kReferenceRel, tol::kReferenceAbs));
  CHECK(tol::agrees(code_distortion(source.pmf(), r.code, gamma) * kBits, expected,
                    tol::kReferenceRel, tol::kReferenceAbs));
  // The reference partition, priced by our cell solver.
  const auto cells = CellSolver::create(solver);
  double reference_partition = 0.0;
  for (const auto& block : test::partition(c)) {
    std::vector<double> masses;
    for (std::size_t a : block) masses.push_back(source[a]);
    reference_partition += cells->solve(masses, gamma, nullptr).cost;
  }
  CHECK(tol::agrees(reference_partition * kBits, expected, tol::kReferenceRel, tol::kReferenceAbs));
}

}  // namespace

TEST_CASE("reference: random exact cases (exact_cases.json)") {
  const auto cases = test::read_records("reference/exact_cases.json");
  REQUIRE(cases.size() == 25);
  for (const auto& c : cases) {
    const Source source = Source::from_pmf(test::numbers(c, "pmf"));
    for (CellSolverType solver : all_cell_solver_types()) check_case(c, source, solver);
  }
}

TEST_CASE("reference: the paper's Example 1 (example1.json)") {
  const auto cases = test::read_records("reference/example1.json");
  REQUIRE(cases.size() == 34);
  for (const auto& c : cases) {
    const Source source = Source::parse(c.get<std::string>("source"));
    for (CellSolverType solver : all_cell_solver_types()) check_case(c, source, solver);
  }
}

TEST_CASE("reference: wide cells and large gamma (high_precision.json)") {
  test::Tree root;
  boost::property_tree::read_json(test::data_path("reference/high_precision.json"), root);
  const auto kkt = CellSolver::create(CellSolverType::kkt);
  int cells = 0;
  for (const auto& item : root.get_child("cells")) {
    const test::Tree& c = item.second;
    const std::vector<double> r = test::numbers(c, "masses");
    const double gamma = test::number(c, "gamma"), expected = test::number(c, "cost");
    const CellSolution s = kkt->solve(r, gamma, nullptr);
    INFO(std::setprecision(17) << "k=" << r.size() << " gamma=" << gamma << " got " << s.cost
                               << " expected " << expected << " in " << s.evaluations
                               << " evaluations");
    CHECK(s.status == SolveStatus::converged);
    CHECK(tol::agrees(s.cost, expected, tol::kHighPrecisionRel, 0.0));
    CHECK(s.evaluations <= 60 * static_cast<int>(r.size()));
    ++cells;
  }
  CHECK(cells == 9);
  int exact = 0;
  for (const auto& item : root.get_child("exact")) {
    const test::Tree& c = item.second;
    const Source source = Source::from_pmf(test::numbers(c, "pmf"));
    const double gamma = test::number(c, "gamma"), expected = test::number(c, "dstar");
    for (SearchMethod method : {SearchMethod::enumerate, SearchMethod::dp, SearchMethod::bnb}) {
      ExactOptions options;
      options.method = method;
      const ExactResult r = solve_exact(Problem(source, c.get<long long>("M"), gamma), options);
      INFO(std::setprecision(17) << "gamma=" << gamma << " " << to_string(method) << " got "
                                 << r.value << " expected " << expected);
      CHECK(r.certified);
      CHECK(r.code.cells.size() == 2);
      // Below the normal range the value is the nearest double to within a
      // few subnormal units; 0 only where that is the nearest double.
      CHECK(tol::agrees(r.value, expected, tol::kHighPrecisionRel, tol::kSubnormalAbs));
      if (expected < 2.4703282292062328e-324) CHECK(r.value == 0.0);
      ++exact;
    }
  }
  CHECK(exact == 12);
}
