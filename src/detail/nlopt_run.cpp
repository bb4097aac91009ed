#include "detail/nlopt_run.hpp"

#include <cmath>
#include <stdexcept>

namespace focalrd::detail {

NloptOutcome run_nlopt(nlopt::opt& opt, std::vector<double>& x) {
  NloptOutcome out;
  double f = 0.0;
  try {
    const nlopt::result r = opt.optimize(x, f);
    out.status = (r == nlopt::MAXEVAL_REACHED || r == nlopt::MAXTIME_REACHED)
                     ? SolveStatus::iteration_limit
                     : SolveStatus::converged;
  } catch (const nlopt::roundoff_limited&) {
    f = opt.last_optimum_value();
    out.status = SolveStatus::converged;
    out.message = "NLopt stopped at the rounding limit";
  } catch (const nlopt::forced_stop&) {
    out.status = SolveStatus::failed;
    out.message = "NLopt was stopped by force";
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::invalid_argument& e) {
    out.status = SolveStatus::failed;
    out.message = std::string("NLopt rejected its arguments: ") + e.what();
  } catch (const std::runtime_error& e) {
    f = opt.last_optimum_value();
    out.status = SolveStatus::iteration_limit;
    out.message = std::string("NLopt failure: ") + e.what();
  }
  out.value = f;
  if (!std::isfinite(f) && out.status != SolveStatus::failed) {
    out.status = SolveStatus::failed;
    out.message = "NLopt returned a non-finite objective";
  }
  return out;
}

}  // namespace focalrd::detail
