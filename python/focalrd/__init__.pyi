# Type stubs of the package focalrd (the docstrings are in __init__.py).
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
PmfLike = Union[str, npt.ArrayLike]
Progress = Callable[[Dict[str, Any]], None]

__version__: str
QUANTITIES: Tuple[str, ...]

class TooLargeError(ValueError): ...
class InternalError(RuntimeError): ...

class Interrupted(KeyboardInterrupt):
    result: Any
    def __init__(self, result: Any) -> None: ...

class ExactResult:
    n: int
    M: int
    gamma: float
    units: str
    dstar: float
    lower_bound: float
    upper_bound: float
    certified: bool
    status: str
    method: str
    cell_solver: str
    cell_status: str
    message: str
    cells: List[Tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], float]]
    stats: Dict[str, Any]
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...

class BoundsResult(Dict[str, Any]):
    @property
    def kinds(self) -> Dict[str, str]: ...
    @property
    def status(self) -> str: ...
    @property
    def certified(self) -> bool: ...

def exact(pmf: PmfLike, M: int, gamma: float, *, method: str = ..., cell_solver: str = ...,
          threads: int = ..., time_limit: Optional[float] = ..., rel_gap: float = ...,
          units: str = ..., weights: Optional[ArrayLike] = ..., normalize: bool = ...,
          node_limit: Optional[float] = ..., max_partitions: float = ...,
          memory_budget: float = ..., force: bool = ...,
          progress: Optional[Progress] = ...) -> ExactResult: ...
def bounds(pmf: PmfLike, M: int, gamma: float, *, fx: Union[str, ArrayLike] = ...,
           optimise_fx: bool = ..., fx_evaluations: int = ..., exact: bool = ...,
           method: str = ..., cell_solver: str = ..., threads: int = ...,
           time_limit: Optional[float] = ..., exact_time_limit: Optional[float] = ...,
           rel_gap: float = ..., units: str = ..., weights: Optional[ArrayLike] = ...,
           normalize: bool = ..., excess_distortion: Optional[float] = ...,
           node_limit: Optional[float] = ..., max_partitions: float = ...,
           memory_budget: float = ..., force: bool = ...,
           progress: Optional[Progress] = ...) -> BoundsResult: ...
def sweep(pmf: PmfLike, Ms: Union[int, Sequence[int]], gammas: Union[float, ArrayLike],
          quantities: Union[str, Sequence[str]] = ..., *, fx: Union[str, ArrayLike] = ...,
          fx_evaluations: int = ..., method: str = ..., cell_solver: str = ...,
          threads: int = ..., point_threads: int = ..., time_limit: Optional[float] = ...,
          point_time_limit: Optional[float] = ..., rel_gap: float = ..., units: str = ...,
          weights: Optional[ArrayLike] = ..., normalize: bool = ...,
          excess_distortion: Optional[float] = ..., node_limit: Optional[float] = ...,
          max_partitions: float = ..., memory_budget: float = ..., force: bool = ...,
          progress: Optional[Progress] = ..., frame: bool = ...) -> Any: ...
def focal_loss(p: ArrayLike, gamma: ArrayLike, units: str = ...) -> Any: ...
def cell_cost(r: ArrayLike, gamma: float, *, solver: str = ...,
              units: str = ...) -> Tuple[float, npt.NDArray[np.float64]]: ...
def h_gamma(n: ArrayLike, gamma: ArrayLike, *, units: str = ..., threads: int = ...) -> Any: ...
def h_gamma_bound(gamma: ArrayLike, *, units: str = ...) -> Any: ...
def entropy(pmf: ArrayLike, *, units: str = ...) -> float: ...
def focal_entropy(pmf: ArrayLike, gamma: float, *, units: str = ...) -> float: ...
def source(spec: PmfLike, *, weights: Optional[ArrayLike] = ...,
           normalize: bool = ...) -> npt.NDArray[np.float64]: ...
def binomial(k: int, p: float) -> npt.NDArray[np.float64]: ...
def uniform(n: int) -> npt.NDArray[np.float64]: ...
def geometric(p: float, n: int) -> npt.NDArray[np.float64]: ...
def dirichlet(n: int, seed: int, alpha: float = ...) -> npt.NDArray[np.float64]: ...
def iid(n: int, letters: ArrayLike) -> npt.NDArray[np.float64]: ...
def block_sequence(symbol: int, letters: int, length: int) -> str: ...
def read_pmf(path: str, column: str = ..., *, normalize: bool = ...) -> npt.NDArray[np.float64]: ...
