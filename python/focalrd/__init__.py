"""focalrd: lossy source coding under the focal loss (Dytso and Cardone).

A source X with PMF R_X on a finite alphabet is compressed to one of M
messages; the decoder outputs a PMF P, and symbol x costs the focal loss
d(x; P) = (1 - P(x))^gamma log(1/P(x)) (eq. (8)). d*(M; gamma) is the least
average distortion (eq. (5)).

- exact(pmf, M, gamma): d*(M; gamma) with an optimal code and a certificate.
- bounds(pmf, M, gamma): every bound of the paper (and focalrd's own) with d*.
- sweep(pmf, Ms, gammas, quantities): bounds over a grid, as NumPy arrays.
- focal_loss, cell_cost, h_gamma, h_gamma_bound, entropy, focal_entropy.
- Sources: binomial, uniform, geometric, dirichlet, iid, source, read_pmf.

Every distortion is in bits unless units="nats". A PMF is any 1-D array-like
of numbers, a list as text ("2/3, 1/4, 1/12", focalrd's --pmf), or a family
spec such as "binomial:10,0.5" (focalrd's --source).
Bad input raises ValueError (TooLargeError, a subclass, for an instance beyond
the chosen method); Ctrl-C during a long call raises Interrupted, a
KeyboardInterrupt that carries the best code and certified interval found.
"""

import fractions
import json
import math
import numbers
import operator
import os

import numpy as np

from . import _core
from ._core import InternalError, TooLargeError

__all__ = [
    "ExactResult", "BoundsResult", "Interrupted", "TooLargeError", "InternalError",
    "exact", "bounds", "sweep", "focal_loss", "cell_cost", "h_gamma", "h_gamma_bound",
    "entropy", "focal_entropy", "binomial", "uniform", "geometric", "dirichlet", "iid",
    "source", "read_pmf", "block_sequence", "QUANTITIES", "__version__",
]

__version__ = _core.version

# The quantities of bounds() and sweep(), in their order (focalrd sweep
# --quantities); "excess" needs excess_distortion.
QUANTITIES = (
    "entropy", "h_gamma", "h_gamma_bound", "converse", "converse_lagrangian",
    "achievability_28", "achievability_22", "achievability_23",
    "achievability_optimised_fx", "achievability_reoptimised", "exact", "excess",
)


class Interrupted(KeyboardInterrupt):
    """KeyboardInterrupt during a long call. ``result`` holds what the call
    had when it stopped: for exact(), an ExactResult with the best code found
    and a certified interval [lower_bound, upper_bound] holding d*, status
    "interrupted" (or its own status when the search had just finished);
    for bounds(), a BoundsResult; for sweep(), the finished points' columns;
    for h_gamma(), the values, NaN where not reached. It is raised also when a
    SIGINT handler of your own ran and returned: the call was cut short all
    the same."""

    def __init__(self, result):
        super().__init__("interrupted; the partial result is in .result")
        self.result = result


class ExactResult:
    """d*(M; gamma) of eq. (5) with an optimal code (focalrd exact).

    dstar        the distortion of ``cells`` (= d* when certified), in ``units``
    lower_bound  certified lower end of the interval holding d*
    upper_bound  = dstar
    certified    True when d* is proved within the requested relative gap
    status       "certified", "time_limit", "node_limit", "interrupted",
                 "not_converged"
    method       the search strategy used; cell_solver likewise
    cells        one (symbols, pmf, distortion) per message: the symbols sent
                 to it (int64 array, 0-based), their reconstruction PMF
                 (float64 array, same order; eq. (3)) and their share of the
                 distortion
    stats        the search's work: partitions, transitions, nodes, seconds...
    """

    def __init__(self, record):
        self._record = record
        self.n = record["n"]
        self.M = record["M"]
        self.gamma = record["gamma"]
        self.units = record["units"]
        self.gamma = float(record["gamma"])
        self.dstar = float(record["dstar"])
        self.lower_bound = float(record["lower_bound"])
        self.upper_bound = float(record["upper_bound"])
        self.certified = record["certified"]
        self.status = record["status"]
        self.method = record["method"]
        self.cell_solver = record["cell_solver"]
        self.cell_status = record["cell_status"]
        self.message = record.get("message", "")
        self.cells = [
            (np.asarray(c["symbols"], dtype=np.int64), np.asarray(c["pmf"], dtype=np.float64),
             float(c["distortion"]))
            for c in record["cells"]
        ]
        self.stats = dict(record["stats"])

    def to_dict(self):
        """The record of ``focalrd exact --format json`` (provenance included)."""
        return json.loads(json.dumps(self._record))

    def to_json(self):
        """The same as a JSON document (every number round-trips exactly)."""
        return json.dumps(self._record, separators=(",", ":"))

    def __repr__(self):
        gap = "" if self.certified else f", lower_bound={self.lower_bound!r}"
        return (f"ExactResult(dstar={self.dstar!r} {self.units}, M={self.M}, gamma={self.gamma}, "
                f"status={self.status!r}{gap}, method={self.method!r}, cells={len(self.cells)})")


class BoundsResult(dict):
    """Every quantity of focalrd bounds for one (source, M, gamma), as a dict:
    its keys are those of ``focalrd bounds --format json`` (distortions as
    floats in ``self["units"]``; quantities left out are absent or None, and
    ``note`` says why). ``kinds`` says which are certified (closed forms,
    proved bounds, codes' distortions) and which are heuristic (the optimised
    F_X); ``exact`` is d* (float) with ``exact_lower_bound``,
    ``exact_certified`` and ``exact_status`` when it was computed."""

    _COUNTS = frozenset(("n", "support", "M"))

    def __init__(self, record):
        super().__init__((k, float(v) if isinstance(v, int) and not isinstance(v, bool)
                          and k not in self._COUNTS else v) for k, v in record.items())

    @property
    def kinds(self):
        return self["provenance"]["kinds"]

    @property
    def status(self):
        return self["status"]

    @property
    def certified(self):
        return self["status"] == "certified"


def _whole(x, name, low=None, high=None):
    """x as a Python int (ints and NumPy integers only: 2.5 is refused)."""
    try:
        value = operator.index(x)
    except TypeError:
        raise TypeError(f"{name} is {x!r}; give a whole number") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} is {value}; violated constraint: {low} <= {name} <= {high}")
    return value


def _real(x, name, what="a number"):
    if isinstance(x, (str, bytes, bool)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} is {x!r}; give {what}")
    return float(x)


def _seconds(x, name):
    return None if x is None else _real(x, name, "a number of seconds, or None for no limit")


def _level(x, name):
    return None if x is None else _real(x, name, "a distortion level, or None")


def _messages(M):
    """The type of M; its range (1 <= M <= 2^63 - 1) is checked by the bindings."""
    if isinstance(M, bool):
        raise TypeError(f"M is {M!r}; give a whole number")
    return _whole(M, "M")


def _name(x, name):
    if not isinstance(x, str):
        raise TypeError(f"{name} is {x!r}; give a string")
    return x


def _callable(progress):
    if progress is not None and not callable(progress):
        raise TypeError(f"progress is {progress!r}; give a callable taking a dict, or None")
    return progress


def _pmf_arg(pmf):
    return pmf if isinstance(pmf, str) else _as_float_array(pmf)


def _as_float_array(x):
    # Strided, float32 and integer inputs are converted; the C++ side checks
    # the shape and the values. Anything but numbers (None, strings) is refused.
    if isinstance(x, str):
        return x
    a = np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{a.dtype} values ({x!r:.60}); give an array of numbers")
    return a.astype(np.float64, copy=False)


def _command(name, **args):
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items() if v is not None)
    return f"python: focalrd.{name}({shown})"


def _search_kwargs(method, cell_solver, rel_gap, node_limit, max_partitions, memory_budget,
                   force):
    return dict(method=_name(method, "method"), cell_solver=_name(cell_solver, "cell_solver"),
                rel_gap=_real(rel_gap, "rel_gap"), node_limit=float(node_limit or 0),
                max_partitions=float(max_partitions), memory_budget=float(memory_budget),
                force=bool(force))


_THREADS = dict(low=0, high=1024)


def _progress_in(units, progress):
    """The library reports nats; the callback gets ``units``."""
    if _callable(progress) is None:
        return None
    scale = _core.per_nat(units)

    def call(p):
        p["lower"] *= scale
        p["upper"] *= scale
        p["units"] = units
        progress(p)

    return call


def exact(pmf, M, gamma, *, method="auto", cell_solver="kkt", threads=0, time_limit=None,
          rel_gap=1e-12, units="bits", weights=None, normalize=False, node_limit=None,
          max_partitions=2e9, memory_budget=2 * 1024**3, force=False, progress=None):
    """d*(M; gamma) of eq. (5) and an optimal code, with a certificate.

    pmf          the source R_X: a 1-D array-like, a list as text
                 ("2/3, 1/4, 1/12"), or a family spec ("binomial:10,0.5",
                 "dirichlet:20,7", "iid:4,0.9,0.1")
    M            messages (>= 1); gamma the focus parameter of eq. (8), in
                 [-10, inf) (gamma < 0 is beyond the paper: enumeration and
                 the DP only)
    method       "auto", "enumerate", "dp", "bnb" or "counts"
    cell_solver  "kkt" (exact KKT, eq. (8)'s stationarity) or "nlopt"
    threads      OpenMP threads (0: all)
    time_limit   seconds for the whole call (None: none); node_limit for bnb
    rel_gap      stop when upper - lower <= rel_gap * upper. 1e-12 (the CLI's
                 default): two certified runs agree to 1e-12 on any machine
    weights      Q of eqs. (6)-(7): R_X = P_X Q / sum(P_X Q)
    normalize    rescale a PMF whose sum is off 1 instead of refusing it
    progress     a callable taking a dict (phase, lower, upper, seconds,
                 nodes, done, total, units), called about once a second

    Returns an ExactResult. A limit returns the best code with a certified
    interval and certified=False; Ctrl-C raises Interrupted with that result
    attached. The search runs without the GIL.
    """
    record, stopped = _core.exact(
        _pmf_arg(pmf), _messages(M), _real(gamma, "gamma"), threads=_whole(threads, "threads", **_THREADS),
        time_limit=_seconds(time_limit, "time_limit"), units=_name(units, "units"), weights=None if weights is None else _as_float_array(weights),
        normalize=bool(normalize), progress=_progress_in(units, progress),
        command=_command("exact", M=M, gamma=gamma, method=method),
        **_search_kwargs(method, cell_solver, rel_gap, node_limit, max_partitions, memory_budget,
                         force))
    result = ExactResult(json.loads(record))
    if stopped:
        raise Interrupted(result)
    return result


def bounds(pmf, M, gamma, *, fx="source", optimise_fx=True, fx_evaluations=20000, exact=True,
           method="auto", cell_solver="kkt", threads=0, time_limit=10.0, rel_gap=1e-12, units="bits", weights=None, normalize=False, excess_distortion=None,
           node_limit=None, max_partitions=1e8, memory_budget=2 * 1024**3, force=False,
           progress=None):
    """Every bound on d*(M; gamma) for one source, with d* when it is small
    enough (focalrd bounds): the converse (17) with h_gamma (15) and its bound
    (16), the Lagrangian converse, the scheme (26)-(27) at F = ``fx`` with its
    exact distortion (28) and the bounds (22), (23), the optimised F_X
    (heuristic), the scheme with re-optimised cells, and the excess-distortion
    probability at ``excess_distortion`` (in ``units``) when given.

    fx  "source" (F = R, as in the paper), "uniform", "optimised", or a PMF.
    time_limit bounds the whole call, 10 s as the CLI's (None: none):
    quantities not reached are absent, d* keeps its certified interval.
    gamma < 0 (beyond the paper) leaves out what is proved for gamma >= 0
    only (``note`` says which). Returns a BoundsResult (a dict); Ctrl-C
    raises Interrupted.
    """
    record, stopped = _core.bounds(
        _pmf_arg(pmf), _messages(M), _real(gamma, "gamma"), fx=fx if isinstance(fx, str) else _as_float_array(fx),
        optimise_fx=bool(optimise_fx),
        fx_evaluations=_whole(fx_evaluations, "fx_evaluations", 1, 100_000_000),
        exact=bool(exact), threads=_whole(threads, "threads", **_THREADS),
        time_limit=_seconds(time_limit, "time_limit"), units=_name(units, "units"), weights=None if weights is None else _as_float_array(weights),
        normalize=bool(normalize), excess_distortion=_level(excess_distortion, "excess_distortion"),
        progress=_progress_in(units, progress),
        command=_command("bounds", M=M, gamma=gamma, fx=fx if isinstance(fx, str) else "given"),
        **_search_kwargs(method, cell_solver, rel_gap, node_limit, max_partitions, memory_budget,
                         force))
    result = BoundsResult(json.loads(record))
    if stopped:
        raise Interrupted(result)
    return result


def _columns(lines, quantities):
    """Sweep records (JSON lines) as NumPy columns."""
    records = [json.loads(line) for line in lines.splitlines()[1:] if line]
    names = ["M", "gamma"] + [q for q in quantities]
    if "exact" in quantities:
        names += ["exact_lower_bound", "exact_certified"]
    if "excess" in quantities:
        names += ["excess_distortion"]
    names += ["status"]
    out = {}
    for name in names:
        values = [r.get(name) for r in records]
        if name == "M":
            out[name] = np.array(values, dtype=np.int64)
        elif name == "status":
            out[name] = np.array(values, dtype=object)
        elif name == "exact_certified":
            out[name] = np.array([bool(v) for v in values], dtype=bool)
        else:
            out[name] = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    return out


def sweep(pmf, Ms, gammas, quantities=("converse", "achievability_28", "achievability_22",
                                       "achievability_23"), *, fx="source", fx_evaluations=20000,
          method="auto", cell_solver="kkt", threads=0, point_threads=1, time_limit=None,
          point_time_limit=60.0, rel_gap=1e-12, units="bits", weights=None, normalize=False,
          excess_distortion=None, node_limit=None, max_partitions=1e8,
          memory_budget=2 * 1024**3, force=False, progress=None, frame=False):
    """Quantities over the grid gammas x Ms (gamma-major), as focalrd sweep.

    quantities  names from QUANTITIES, or "all" (every one; "excess" only
                with excess_distortion)
    Returns a dict of equal-length NumPy arrays: "M", "gamma", one column per
    quantity in ``units`` (NaN where absent: with "all", gamma < 0 leaves out
    what is proved for gamma >= 0 only; naming one of those is refused), "exact_lower_bound" and "exact_certified"
    with "exact", and "status" per point. frame=True returns a pandas
    DataFrame instead (pandas is optional). The points run in parallel;
    values do not depend on the thread count. Ctrl-C raises Interrupted with
    the finished points.
    """
    if frame:
        import pandas  # before the work, so that a missing pandas costs nothing
    Ms = [_messages(M) for M in np.atleast_1d(np.asarray(Ms, dtype=object))]
    gammas = [float(g) for g in np.atleast_1d(_as_float_array(gammas))]
    text = quantities if isinstance(quantities, str) else ",".join(quantities)
    lines, names, stopped = _core.sweep(
        _pmf_arg(pmf), Ms, gammas, text, fx=fx if isinstance(fx, str) else _as_float_array(fx),
        optimise_fx=True, fx_evaluations=_whole(fx_evaluations, "fx_evaluations", 1, 100_000_000),
        exact=True, threads=_whole(threads, "threads", **_THREADS),
        point_threads=_whole(point_threads, "point_threads", 1, 1024),
        time_limit=_seconds(time_limit, "time_limit"),
        point_time_limit=_seconds(point_time_limit, "point_time_limit"),
        units=_name(units, "units"),
        weights=None if weights is None else _as_float_array(weights), normalize=bool(normalize),
        excess_distortion=_level(excess_distortion, "excess_distortion"),
        progress=_progress_in(units, progress), command=_command("sweep", quantities=text),
        **_search_kwargs(method, cell_solver, rel_gap, node_limit, max_partitions, memory_budget,
                         force))
    columns = _columns(lines, names)
    if frame:
        columns = pandas.DataFrame(columns)
    if stopped:
        raise Interrupted(columns)
    return columns


def focal_loss(p, gamma, units="bits"):
    """d(x; P) of eq. (8) at P(x) = p: (1 - p)^gamma log(1/p), elementwise
    (NumPy broadcasting over p and gamma); +inf at p = 0."""
    p, gamma = np.broadcast_arrays(np.asarray(p, dtype=np.float64),
                                   np.asarray(gamma, dtype=np.float64))
    return _core.focal_loss(p, gamma) * _core.per_nat(units)


def cell_cost(r, gamma, *, solver="kkt", units="bits"):
    """One message's optimal reconstruction: min over PMFs p of
    sum_a r_a d(a; p), eq. (8), for the masses r of the symbols sent to it
    (need not sum to 1; at least one positive). Returns (cost, pmf): pmf is
    the optimal PMF on those symbols (same order), cost in ``units``. For
    gamma < -1 (beyond the paper) the optimum may leave mass outside the
    cell: pmf then sums to less than 1."""
    cost, pmf, status = _core.cell_cost(_as_float_array(r), float(gamma), solver)
    if status != "converged":
        raise InternalError(f"the cell solve did not converge ({status})")
    return cost * _core.per_nat(units), pmf


def h_gamma(n, gamma, *, units="bits", threads=0):
    """h_gamma(n) of eq. (15): the largest focal entropy H_gamma (eq. (11)) of
    a PMF on n symbols (Proposition 2), elementwise over n and gamma
    (broadcast). n in [1, 10^6], gamma >= 0."""
    n_arr, g_arr = np.broadcast_arrays(np.asarray(n, dtype=object), _as_float_array(gamma))
    for x in n_arr.ravel():
        _whole(x, "n", 1, 1_000_000)
    values, stopped = _core.h_gamma_pairs([int(x) for x in n_arr.ravel()],
                                          [float(x) for x in g_arr.ravel()],
                                          _whole(threads, "threads", **_THREADS), None)
    values = values.reshape(n_arr.shape) * _core.per_nat(units)
    if stopped:
        raise Interrupted(values)
    return values if values.ndim else float(values)


def h_gamma_bound(gamma, *, units="bits"):
    """eq. (16): the n-free bound h_gamma(n) <= log(1 + e^(max(1, gamma)/e))."""
    return np.vectorize(_core.h_gamma_bound, otypes=[float])(gamma) * _core.per_nat(units) \
        if np.ndim(gamma) else _core.h_gamma_bound(float(gamma)) * _core.per_nat(units)


def entropy(pmf, *, units="bits"):
    """Shannon entropy H(R) of a PMF."""
    return _core.entropy(_as_float_array(pmf)) * _core.per_nat(units)


def focal_entropy(pmf, gamma, *, units="bits"):
    """H_gamma(P) = log sum_x P(x)^((1 - P(x))^gamma), eq. (11)."""
    return _core.focal_entropy(_as_float_array(pmf), float(gamma)) * _core.per_nat(units)


# ---- sources ------------------------------------------------------------------

def source(spec, *, weights=None, normalize=False):
    """The PMF of a source as focalrd uses it: a family spec (focalrd
    --source: "binomial:K,P", "uniform:N", "geometric:P,N",
    "dirichlet:N,SEED[,ALPHA]", "iid:N,P1,...,Pk") or a PMF, validated, with
    weights Q of eqs. (6)-(7) applied."""
    pmf, _, _, _ = _core.source_pmf(_pmf_arg(spec), None if weights is None
                                    else _as_float_array(weights), bool(normalize))
    return pmf


def _number(x, name):
    """A probability as the family specs take it: a string as written
    ("1/3", "0.1"), a Fraction exactly, an int, or a float by its shortest
    repr (0.1 is 1/10; a float32 0.1 is 0.10000000149011612)."""
    if isinstance(x, str):
        return x
    if isinstance(x, fractions.Fraction):
        return f"{x.numerator}/{x.denominator}"
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return str(int(x))
    if isinstance(x, numbers.Real):
        return repr(float(x))
    raise TypeError(f"{name} is {x!r}; give a number")


def binomial(k, p):
    """Binomial(k, p) on {0..k}, each mass correctly rounded (p as written:
    0.1 is 1/10, "1/3" or Fraction(1, 3) exactly one third)."""
    return source(f"binomial:{_whole(k, 'k')},{_number(p, 'p')}")


def uniform(n):
    """1/n on n symbols."""
    return source(f"uniform:{_whole(n, 'n')}")


def geometric(p, n):
    """p (1-p)^k on {0..n-1}, truncated and renormalised."""
    return source(f"geometric:{_number(p, 'p')},{_whole(n, 'n')}")


def dirichlet(n, seed, alpha=1.0):
    """A random PMF on n symbols from Dirichlet(alpha, ..., alpha),
    reproducible from seed (the same as focalrd --source dirichlet:N,SEED,ALPHA)."""
    return source(f"dirichlet:{_whole(n, 'n')},{_whole(seed, 'seed')},{_number(alpha, 'alpha')}")


def iid(n, letters):
    """The i.i.d. extension of the PMF ``letters`` to blocks of n letters
    (Section II, eq. (9)): len(letters)^n symbols in lexicographic order
    (block_sequence), masses the correctly rounded products."""
    if isinstance(letters, str):
        raise TypeError("letters is a string; give the letters' probabilities")
    return source("iid:" + ",".join([str(_whole(n, "n"))] + [_number(x, "letter") for x in letters]))


def block_sequence(symbol, letters, length):
    """The letters of symbol ``symbol`` (0-based) of an iid source with
    ``letters`` letters and blocks of ``length``, as a string (x_1 first; one
    digit per letter up to 10 letters, else joined by '.')."""
    symbol = _whole(symbol, "symbol", 0)
    letters = _whole(letters, "letters", 1, 1_000_000)
    length = _whole(length, "length", 1, 10_000)
    if symbol >= 2**64 - 1:
        raise ValueError(f"symbol is {symbol}; at most 2^64 - 2")
    if symbol >= letters ** min(length, 64):
        raise ValueError(f"symbol is {symbol}; an iid source of {letters} letters and blocks of "
                         f"{length} has {letters}^{length} symbols")
    return _core.block_sequence(symbol, letters, length)


def read_pmf(path, column="0", *, normalize=False):
    """One probability per line, or one column (0-based index or header name)
    of a CSV file, as focalrd --pmf-file."""
    path = os.fsdecode(os.fspath(path))
    if isinstance(column, (int, np.integer)) and not isinstance(column, bool):
        column = str(int(column))
    return _core.read_pmf(path, _name(column, "column"), bool(normalize))
