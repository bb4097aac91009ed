// focalrd._core: the bindings under the Python package focalrd
// (python/focalrd/__init__.py builds the Python API on them). Each call makes
// one library call and returns its result in the CLI's printed form (JSON), so
// that Python and the CLI agree to the last digit. Long calls release the GIL
// and stop promptly on KeyboardInterrupt through the library's cancellation
// flag (Limits::cancel), keeping the best code and a certified interval.
#include <pthread.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "focalrd/focalrd.hpp"

namespace py = pybind11;
using namespace focalrd;

namespace {

// ---- running a long call ----------------------------------------------------

// Ctrl-C. Python's own SIGINT handler only notes the signal for the main
// thread's eval loop, which does not run while the library does; so during a
// call from the main thread a handler of ours comes first: it sets the
// library's cancellation flag (Limits::cancel) and passes the signal on to
// the handler it replaced, so Python raises KeyboardInterrupt as usual once
// the call returns. The call itself runs on the calling thread (no handoff to
// another thread, whose wake-up a busy machine delays by milliseconds).
// _thread.interrupt_main(), which simulates a signal without sending one,
// therefore takes effect only when the call returns.
//
// Main-thread calls in progress (nested through progress callbacks),
// outermost first: each one's own cancellation flag, all set by a SIGINT.
constexpr int kMaxNesting = 64;
std::atomic<bool>* g_flags[kMaxNesting];
std::atomic<int> g_depth{0};
struct sigaction g_replaced;      // the handler ours passes the signal on to
unsigned long g_main_thread = 0;  // Python's main thread: at import, or the thread that forked

// A forked child (multiprocessing's default) inherits the OpenMP thread pool
// of the thread that forked without its threads, and libgomp would wait for
// them forever: there every call runs on a thread of its own (a new pool).
bool g_forked = false;

void after_fork_in_child() {
  g_forked = true;
  g_main_thread = PyThread_get_thread_ident();  // as Python: the forking thread is the main one
  g_depth.store(0);
}

extern "C" void on_sigint(int signal, siginfo_t* info, void* context) {
  const int depth = std::min(g_depth.load(), kMaxNesting);
  for (int i = 0; i < depth; ++i) g_flags[i]->store(true);
  if (g_replaced.sa_flags & SA_SIGINFO)
    g_replaced.sa_sigaction(signal, info, context);
  else if (g_replaced.sa_handler != SIG_DFL && g_replaced.sa_handler != SIG_IGN)
    g_replaced.sa_handler(signal);
}

bool is_ours(const struct sigaction& action) {
  return (action.sa_flags & SA_SIGINFO) && action.sa_sigaction == on_sigint;
}

// Registers a main-thread call's flag; the outermost installs our handler
// and puts the one before it back afterwards, unless the handler was changed
// meanwhile (signal.signal in a callback). Nothing is installed where SIGINT
// is not Python's to handle (SIG_DFL: it ends the process; SIG_IGN: ignored).
class SigintHandler {
 public:
  explicit SigintHandler(std::atomic<bool>* flag) {
    const int depth = g_depth.load();
    if (depth >= kMaxNesting)
      throw invalid_input("focalrd calls nested " + std::to_string(depth) +
                          " deep through progress callbacks; at most " +
                          std::to_string(kMaxNesting));
    g_flags[depth] = flag;  // before the depth that makes the handler see it
    g_depth.store(depth + 1);
    if (depth > 0) return;
    struct sigaction current {};
    sigaction(SIGINT, nullptr, &current);
    if (!(current.sa_flags & SA_SIGINFO) &&
        (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN))
      return;
    if (is_ours(current)) return;  // still ours: forked during a call
    g_replaced = current;
    struct sigaction ours = current;
    ours.sa_sigaction = on_sigint;
    ours.sa_flags = (current.sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
    installed_ = sigaction(SIGINT, &ours, nullptr) == 0;
  }
  ~SigintHandler() {
    g_depth.store(g_depth.load() - 1);
    if (!installed_) return;
    struct sigaction now {};
    sigaction(SIGINT, nullptr, &now);
    if (is_ours(now)) sigaction(SIGINT, &g_replaced, nullptr);
  }
  SigintHandler(const SigintHandler&) = delete;
  SigintHandler& operator=(const SigintHandler&) = delete;

 private:
  bool installed_ = false;
};

// What stopped a long call from the Python side.
struct PythonStop {
  std::atomic<bool> cancel{false};             // the flag the library polls
  bool keyboard_interrupt = false;             // the caller raises focalrd.Interrupted
  std::optional<py::error_already_set> error;  // another exception (a callback's, a handler's)
};

// Runs `work` with the GIL released, on the calling thread, stopped by Ctrl-C
// when that is the main thread. A progress callable gets a dict at most about
// once a second, under the GIL; an exception it raises stops the computation
// and is raised again here.
template <class Work>
void run_long(Limits& limits, const py::object& progress, PythonStop& stop, Work&& work) {
  const bool main = PyThread_get_thread_ident() == g_main_thread;
  limits.cancel = &stop.cancel;
  if (!progress.is_none()) {
    limits.progress = [&progress, &stop](const Progress& p) {
      py::gil_scoped_acquire gil;
      if (stop.error || stop.keyboard_interrupt) return;
      try {
        py::dict d;
        d["phase"] = p.phase;
        d["lower"] = p.lower;  // nats; NaN until known
        d["upper"] = p.upper;
        d["seconds"] = p.seconds;
        d["nodes"] = p.nodes;
        d["done"] = p.done;
        d["total"] = p.total;
        progress(d);
      } catch (py::error_already_set& e) {
        if (e.matches(PyExc_KeyboardInterrupt))
          stop.keyboard_interrupt = true;  // Ctrl-C while the callback ran
        else
          stop.error = std::move(e);
        stop.cancel.store(true);
      }
    };
  }
  {
    std::optional<SigintHandler> handler;
    if (main) {
      handler.emplace(&stop.cancel);
      // A Ctrl-C while the call was set up (with the GIL, before our handler)
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
    py::gil_scoped_release release;
    if (g_forked) {
      std::exception_ptr failure;
      std::thread([&] {
        try {
          work();
        } catch (...) {
          failure = std::current_exception();
        }
      }).join();
      if (failure) std::rethrow_exception(failure);
    } else {
      work();  // an exception from the library propagates with the GIL back
    }
  }
  if (stop.error) throw std::move(*stop.error);
  if (!main || stop.keyboard_interrupt) return;
  const bool signalled = stop.cancel.load();  // by a SIGINT: nothing else sets it here
  if (PyErr_CheckSignals() != 0) {
    py::error_already_set e;
    if (!e.matches(PyExc_KeyboardInterrupt)) throw std::move(e);  // a handler of the user's
  } else if (!signalled) {
    return;
  }
  // KeyboardInterrupt, or a handler of the user's that returned: the call was
  // cut short all the same, and says so.
  stop.keyboard_interrupt = true;
}

// ---- inputs -----------------------------------------------------------------

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// Any 1-D array-like of numbers as a vector (lists, float32, strided views).
std::vector<double> vector_of(const py::handle& x, const char* what) {
  if (py::isinstance<py::str>(x) || py::isinstance<py::bytes>(x))
    throw invalid_input(std::string(what) + " is a string; give a 1-D array of numbers");
  Array a = Array::ensure(x);
  if (!a) {
    PyErr_Clear();
    throw invalid_input(std::string(what) + " is not an array of numbers");
  }
  if (a.ndim() != 1)
    throw invalid_input(std::string(what) + " has " + std::to_string(a.ndim()) +
                        " dimensions; give a 1-D array");
  return std::vector<double>(a.data(), a.data() + a.size());
}

// A PMF (array-like) or a family spec ("binomial:10,0.5"), with weights Q
// (eqs. (6)-(7)) when given.
Source source_of(const py::object& pmf, const py::object& weights, bool normalize) {
  SourceOptions options;
  options.normalize = normalize;
  Source source = [&] {
    if (!py::isinstance<py::str>(pmf)) return Source::from_pmf(vector_of(pmf, "pmf"), options);
    const std::string text = pmf.cast<std::string>();  // a spec has a colon, a list has none
    return text.find(':') != std::string::npos ? Source::family(text)
                                               : Source::parse(text, options);
  }();
  if (!weights.is_none()) source = source.with_weights(vector_of(weights, "weights"));
  return source;
}

double seconds_of(const py::object& x, const char* what) {
  if (x.is_none()) return 0.0;
  const double s = x.cast<double>();
  if (!(s > 0.0))
    throw invalid_input(std::string(what) + " is " + py::str(x).cast<std::string>() +
                        " s; give a positive number of seconds, or None for no limit");
  return s;
}

long long messages_of(const py::object& M) {
  if (!py::isinstance<py::int_>(M) && !py::hasattr(M, "__index__"))
    throw invalid_input("M is " + py::repr(M).cast<std::string>() + "; give a whole number >= 1");
  const py::int_ m(M);
  if (m < py::int_(1) || m > py::int_(std::numeric_limits<long long>::max()))
    throw invalid_input("M is " + py::repr(M).cast<std::string>() +
                        "; violated constraint: 1 <= M <= 2^63 - 1");
  return m.cast<long long>();
}

struct SearchArgs {
  std::string method, cell_solver;
  double rel_gap, node_limit, max_partitions, memory_budget;
  bool force;
};

ExactOptions exact_options_of(const SearchArgs& a, int threads) {
  ExactOptions o;
  o.method = search_method_from_string(a.method);
  o.cell_solver = cell_solver_type_from_string(a.cell_solver);
  o.threads = threads;
  o.rel_gap = a.rel_gap;
  o.limits.node_limit = a.node_limit;
  o.max_partitions = a.max_partitions;
  o.memory_budget_bytes = a.memory_budget;
  o.force = a.force;
  o.validate();
  return o;
}

SearchArgs search_args(const py::kwargs& kw) {
  return {kw["method"].cast<std::string>(),
          kw["cell_solver"].cast<std::string>(),
          kw["rel_gap"].cast<double>(),
          kw["node_limit"].cast<double>(),
          kw["max_partitions"].cast<double>(),
          kw["memory_budget"].cast<double>(),
          kw["force"].cast<bool>()};
}

// F_X of Theorem 2: "source", "uniform", "optimised", or a PMF.
void fx_of(const py::object& fx, BoundsOptions& options) {
  if (py::isinstance<py::str>(fx)) {
    const std::string name = fx.cast<std::string>();
    if (name == "source")
      options.fx = FxKind::source;
    else if (name == "uniform")
      options.fx = FxKind::uniform;
    else if (name == "optimised" || name == "optimized")
      options.fx = FxKind::optimised;
    else
      throw invalid_input("fx is '" + name + "'; give source, uniform, optimised or a PMF");
  } else {
    options.fx = FxKind::given;
    options.fx_given = vector_of(fx, "fx");
  }
}

OutputOptions output_of(const std::string& units, const std::string& command,
                        const Source& source) {
  OutputOptions out;
  out.format = Format::json;
  out.units = units_from_string(units);
  out.provenance = make_provenance(command, &source);
  return out;
}

// ---- the calls --------------------------------------------------------------

// (JSON of focalrd exact, stopped by KeyboardInterrupt)
py::tuple exact(const py::object& pmf, const py::object& M, double gamma, const py::kwargs& kw) {
  const Source source = source_of(pmf, kw["weights"], kw["normalize"].cast<bool>());
  const Problem problem(source, messages_of(M), gamma);
  ExactOptions options = exact_options_of(search_args(kw), kw["threads"].cast<int>());
  options.limits.time_limit_seconds = seconds_of(kw["time_limit"], "time_limit");
  options.limits.validate();
  const OutputOptions out =
      output_of(kw["units"].cast<std::string>(), kw["command"].cast<std::string>(), source);
  check_exact_feasible(problem, options);
  PythonStop stop;
  ExactResult result;
  run_long(options.limits, kw["progress"], stop, [&] { result = solve_exact(problem, options); });
  std::ostringstream json;
  write_exact(json, result, out);
  return py::make_tuple(json.str(), stop.keyboard_interrupt);
}

BoundsOptions bounds_options_of(const py::kwargs& kw) {
  BoundsOptions o;
  fx_of(kw["fx"], o);
  o.fx_evaluations = kw["fx_evaluations"].cast<int>();
  if (o.fx_evaluations < 1 || o.fx_evaluations > 100000000)
    throw invalid_input("fx_evaluations is " + std::to_string(o.fx_evaluations) +
                        "; violated constraint: 1 <= fx_evaluations <= 1e8");
  o.optimised_fx = kw["optimise_fx"].cast<bool>();
  o.exact = kw["exact"].cast<bool>();
  o.threads = kw["threads"].cast<int>();
  o.exact_options = exact_options_of(search_args(kw), o.threads);
  if (!kw["excess_distortion"].is_none()) {
    const double D = kw["excess_distortion"].cast<double>();
    if (!std::isfinite(D) || D < 0.0)
      throw invalid_input("excess_distortion is " +
                          py::repr(kw["excess_distortion"]).cast<std::string>() +
                          "; the distortion level D must be finite and >= 0");
    o.excess_distortion = D;
    o.excess_units = units_from_string(kw["units"].cast<std::string>());
  }
  return o;
}

py::tuple bounds(const py::object& pmf, const py::object& M, double gamma, const py::kwargs& kw) {
  const Source source = source_of(pmf, kw["weights"], kw["normalize"].cast<bool>());
  const Problem problem(source, messages_of(M), gamma);
  BoundsOptions options = bounds_options_of(kw);
  options.limits.time_limit_seconds = seconds_of(kw["time_limit"], "time_limit");
  options.limits.validate();
  if (options.fx == FxKind::given) auxiliary_pmf(problem, options.fx, options.fx_given);
  const OutputOptions out =
      output_of(kw["units"].cast<std::string>(), kw["command"].cast<std::string>(), source);
  PythonStop stop;
  BoundsResult result;
  run_long(options.limits, kw["progress"], stop,
           [&] { result = evaluate_bounds(problem, options); });
  std::ostringstream json;
  write_bounds(json, result, out);
  return py::make_tuple(json.str(), stop.keyboard_interrupt);
}

// (JSON lines of focalrd sweep: the provenance, then one record per finished
// point in grid order, stopped by KeyboardInterrupt)
py::tuple sweep(const py::object& pmf, const std::vector<py::object>& Ms,
                const std::vector<double>& gammas, const std::string& quantities,
                const py::kwargs& kw) {
  const Source source = source_of(pmf, kw["weights"], kw["normalize"].cast<bool>());
  SweepOptions options;
  for (const py::object& M : Ms) options.messages.push_back(messages_of(M));
  options.gammas = gammas;
  if (options.messages.empty() || gammas.empty())
    throw invalid_input("the grid is empty: give at least one M and one gamma");
  if (options.messages.size() * gammas.size() > limits::kMaxGridPoints)
    throw too_large("the grid has " + std::to_string(options.messages.size() * gammas.size()) +
                    " points; at most " + std::to_string(limits::kMaxGridPoints));
  options.quantities = parse_quantities(quantities);
  check_negative_gamma_quantities(gammas, options.quantities, quantities == "all");
  options.bounds = bounds_options_of(kw);
  if (options.bounds.excess_distortion && quantities == "all")
    options.quantities.push_back(Quantity::excess);
  options.threads = kw["threads"].cast<int>();
  options.point_threads = kw["point_threads"].cast<int>();  // run_sweep checks it
  options.bounds.exact_options.threads = options.point_threads;
  options.limits.time_limit_seconds = seconds_of(kw["time_limit"], "time_limit");
  options.bounds.limits.time_limit_seconds = seconds_of(kw["point_time_limit"], "point_time_limit");
  options.limits.validate();
  options.bounds.limits.validate();
  OutputOptions out =
      output_of(kw["units"].cast<std::string>(), kw["command"].cast<std::string>(), source);
  out.format = Format::jsonl;
  std::ostringstream lines;
  PythonStop stop;
  run_long(options.limits, kw["progress"], stop, [&] {
    SweepWriter writer(lines, options.quantities, out);
    options.on_point = [&writer](const SweepPoint& p) { writer.write(p); };
    run_sweep(source, options);
    writer.finish();
  });
  std::vector<std::string> names;
  for (Quantity q : options.quantities) names.push_back(to_string(q));
  return py::make_tuple(lines.str(), names, stop.keyboard_interrupt);
}

// (h_γ(n_i) of eq. (15) for each pair (n_i, γ_i), in nats; stopped by
// KeyboardInterrupt: the values not reached are NaN)
py::tuple h_gamma_pairs(const std::vector<long long>& ns, const std::vector<double>& gammas,
                        int threads, const py::object& progress) {
  if (ns.size() != gammas.size()) throw internal_error("h_gamma_pairs: sizes differ");
  // Every pair is checked before any work (h_gamma_table checks one when it
  // computes it): n and threads by the Python layer, γ here.
  for (double g : gammas) check_gamma(g);
  std::vector<double> out(ns.size(), std::numeric_limits<double>::quiet_NaN());
  Limits limits;
  PythonStop stop;
  run_long(limits, progress, stop, [&] {
    for (std::size_t i = 0; i < ns.size() && !stop.cancel.load(); ++i) {
      const std::vector<HGammaPoint> p = h_gamma_table({ns[i]}, {gammas[i]}, threads, limits);
      if (!p.empty()) out[i] = p[0].h_gamma;
    }
  });
  return py::make_tuple(py::array_t<double>(out.size(), out.data()), stop.keyboard_interrupt);
}

// The optimal PMF of one cell and its cost (nats): the per-cell problem
// min Σ_a r_a d(a; p) over PMFs p on the cell.
py::tuple cell_cost(const py::object& r, double gamma, const std::string& solver) {
  const std::vector<double> mass = vector_of(r, "r");
  if (std::none_of(mass.begin(), mass.end(), [](double x) { return x > 0.0; }))
    throw invalid_input("r has no positive mass; give the masses of the cell's symbols");
  if (mass.size() > limits::kMaxSymbols)
    throw too_large("r has " + std::to_string(mass.size()) + " symbols; at most " +
                    std::to_string(limits::kMaxSymbols));
  for (std::size_t a = 0; a < mass.size(); ++a)
    if (!std::isfinite(mass[a]) || mass[a] < 0.0)
      throw invalid_input("r[" + std::to_string(a) + "] is " +
                          py::repr(py::float_(mass[a])).cast<std::string>() +
                          "; masses must be finite and >= 0");
  check_signed_gamma(gamma);
  std::vector<double> p;
  CellSolution s;
  {
    py::gil_scoped_release release;
    s = CellSolver::create(cell_solver_type_from_string(solver))->solve(mass, gamma, &p);
  }
  return py::make_tuple(s.cost, py::array_t<double>(p.size(), p.data()), to_string(s.status));
}

// The library's messages name the CLI's options (--max-partitions, --force,
// -D); here they are keyword arguments (max_partitions, force=True,
// excess_distortion).
std::string pythonic(std::string message) {
  for (std::size_t at; (at = message.find("(-D)")) != std::string::npos;)
    message.replace(at, 4, "(excess_distortion)");
  std::string out;
  for (std::size_t i = 0; i < message.size();) {
    if (message.compare(i, 2, "--") == 0 && i + 2 < message.size() &&
        std::islower(static_cast<unsigned char>(message[i + 2]))) {
      std::size_t end = i + 2;
      while (end < message.size() &&
             (std::islower(static_cast<unsigned char>(message[end])) || message[end] == '-'))
        ++end;
      std::string name = message.substr(i + 2, end - i - 2);
      for (char& c : name)
        if (c == '-') c = '_';
      out += name == "force" || name == "normalize" ? name + "=True" : name;
      i = end;
    } else {
      out += message[i++];
    }
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "focalrd's bindings; use the package focalrd";
  g_main_thread =
      py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  pthread_atfork(nullptr, nullptr, after_fork_in_child);

  // Errors by kind (focalrd/errors.hpp): bad input is a ValueError, an
  // instance too large for its method a ValueError too, of its own type.
  static py::exception<too_large> too_large_error(m, "TooLargeError", PyExc_ValueError);
  static py::exception<internal_error> internal(m, "InternalError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
    } catch (const too_large& x) {
      PyErr_SetString(too_large_error.ptr(), pythonic(x.what()).c_str());
    } catch (const std::invalid_argument& x) {  // invalid_input and the library's other checks
      PyErr_SetString(PyExc_ValueError, pythonic(x.what()).c_str());
    } catch (const internal_error& x) {
      PyErr_SetString(internal.ptr(), x.what());
    }
  });

  m.def("exact", &exact);
  m.def("bounds", &bounds);
  m.def("sweep", &sweep);
  m.def("h_gamma_pairs", &h_gamma_pairs);
  m.def("cell_cost", &cell_cost);
  m.def("focal_loss", py::vectorize([](double p, double gamma) {
          check_signed_gamma(gamma);
          if (!(p >= 0.0 && p <= 1.0))
            throw invalid_input("p is " + py::repr(py::float_(p)).cast<std::string>() +
                                "; p must be in [0, 1]");
          return focal_loss(p, gamma);
        }));
  m.def("h_gamma_bound", [](double gamma) {
    check_gamma(gamma);
    return h_gamma_bound(gamma);
  });
  m.def("source_pmf", [](const py::object& pmf, const py::object& weights, bool normalize) {
    const Source s = source_of(pmf, weights, normalize);
    return py::make_tuple(py::array_t<double>(s.size(), s.pmf().data()), s.label(),
                          s.block_length(), s.letters());
  });
  m.def("read_pmf", [](const std::string& path, const std::string& column, bool normalize) {
    SourceOptions o;
    o.normalize = normalize;
    const Source s = Source::read_file(path, column, o);
    return py::array_t<double>(s.size(), s.pmf().data());
  });
  m.def("block_sequence", &block_sequence);
  m.def("entropy", [](const py::object& pmf) {
    return entropy(Source::from_pmf(vector_of(pmf, "pmf")).pmf());
  });
  m.def("focal_entropy", [](const py::object& pmf, double gamma) {
    check_gamma(gamma);
    return focal_entropy(Source::from_pmf(vector_of(pmf, "pmf")).pmf(), gamma);
  });
  m.def("per_nat", [](const std::string& units) { return per_nat(units_from_string(units)); });
  m.attr("version") = version();
}
