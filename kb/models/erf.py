"""The error function of MiniLM's GELU, for a query without importing scipy (issue 15 part 9).

`import scipy.special` costs ~0.15-0.2 s of every `gamekb search` (it imports the whole of numpy,
numpy.f2py included, through its array-API layer), for one function. `erf` below is scipy's own
double-precision erf, the Cephes algorithm (ndtr.c: a rational function up to |x| = 1, 1 - erfc(x)
beyond it, erfc from exp(-x^2) and two rational functions), operation for operation, with the C
library's exp as scipy calls it: bit for bit scipy.special.erf (tests/test_embeddings.py holds them
side by side on millions of values). It runs exp once per element in Python, so only small arrays
(a query's few tokens) take it; ingest's batches keep scipy's, and the vectors are the same either way.
"""

from __future__ import annotations

import math

import numpy as np

# a query of up to ~85 tokens (1536 values of the feed-forward layer per token); ~10 ms at this size
MAX_ELEMENTS = 1 << 17
MAXLOG = 7.09782712893383996843e2  # Cephes: log(2**1024), where exp(-x*x) underflows to 0

# Cephes ndtr.c
_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0, 4.86371970985681366614e1,
      1.96520832956077098242e2, 5.26445194995477358631e2, 9.34528527171957607540e2, 1.02755188689515710272e3,
      5.57535335369399327526e2)
_Q = (1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2, 9.75708501743205489753e2,
      1.82390916687909736289e3, 2.24633760818710981792e3, 1.65666309194161350182e3, 5.57535340817727675546e2)
_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0, 6.16021097993053585195e0,
      7.40974269950448939160e0, 2.97886665372100240670e0)
_S = (2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1, 1.70814450747565897222e1,
      9.60896809063285878198e0, 3.36907645100081516050e0)
_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3, 7.00332514112805075473e3,
      5.55923013010394962768e4)
_U = (3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3, 2.26290000613890934246e4,
      4.92673942608635921086e4)
_exp = np.frompyfunc(math.exp, 1, 1)  # the C library's exp, as Cephes calls it (numpy's own may differ in the last bit)


def _polevl(x: np.ndarray, coef) -> np.ndarray:
    ans = np.full_like(x, coef[0])
    for c in coef[1:]:
        ans = ans * x + c
    return ans


def _p1evl(x: np.ndarray, coef) -> np.ndarray:
    ans = x + coef[0]
    for c in coef[1:]:
        ans = ans * x + c
    return ans


def erf(x: np.ndarray) -> np.ndarray:
    """scipy.special.erf of a float64 array, bit for bit."""
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise TypeError(f"erf takes float64 (scipy's float32 loop rounds differently), not {x.dtype}")
    out = np.empty_like(x)
    a = np.abs(x)
    inner = a <= 1.0  # NaN goes the outer way, and stays NaN
    xi = x[inner]
    z = xi * xi
    out[inner] = xi * _polevl(z, _T) / _p1evl(z, _U)
    outer = ~inner
    with np.errstate(over="ignore", invalid="ignore"):  # huge |x| overflow the discarded branches only
        _outer(x[outer], a[outer], out, outer)
    return out


def _outer(x: np.ndarray, xo: np.ndarray, out: np.ndarray, outer: np.ndarray) -> None:
    """|x| > 1: erf(x) = sign(x) (1 - erfc(|x|))."""
    nz = -xo * xo
    under = nz < -MAXLOG  # erfc underflows to 0: erf is exactly +-1
    e = np.asarray(_exp(np.where(under, 0.0, nz))).astype(np.float64)  # frompyfunc gives object dtype
    near = xo < 8.0
    p = np.where(near, _polevl(np.where(near, xo, 0.0), _P), _polevl(np.where(near, 8.0, xo), _R))
    q = np.where(near, _p1evl(np.where(near, xo, 0.0), _Q), _p1evl(np.where(near, 8.0, xo), _S))
    erfc = np.where(under, 0.0, (e * p) / q)
    out[outer] = np.where(x < 0, -(1.0 - erfc), 1.0 - erfc)
