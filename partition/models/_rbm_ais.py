"""The RBM family's annealing path (Salakhutdinov & Murray 2008): host-side orchestration.

The estimators in :mod:`partition.estimators` call :meth:`BernoulliRBM._annealing_path` and
then :meth:`RBMAnnealingPath.forward`; all model-specific work lives here and in
:mod:`partition.kernels.rbm`.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from partition._progress import Progress
from partition._validation import as_binary_rows
from partition.kernels._random import seed_streams
from partition.kernels.rbm import (
    ais_fused,
    increment_and_sample_hidden,
    sample_base,
    sample_visible,
)

#: Layers with at most this many weights run the fused per-chain driver; larger ones step
#: all chains together with one BLAS product per half sweep (measured in benchmarks/).
FUSED_MAX_WEIGHTS = 4096
_SEGMENT = 500  # temperatures per kernel call in the fused driver (progress granularity)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def base_visible_bias(model, base, data) -> tuple[np.ndarray, str]:
    """Visible biases of the base model (no couplings) from the ``base`` / ``data`` options."""
    from partition.models.rbm import BernoulliRBM

    if data is not None:
        rows, _ = as_binary_rows(data, "data", model.n_visible, "n_visible")
        if rows.shape[0] == 0:
            raise ValueError("data must have at least one row")
    if base is None:
        base = "data" if data is not None else "uniform"
    if isinstance(base, str):
        if base == "uniform":
            return np.zeros(model.n_visible), "uniform"
        if base == "data":
            if data is None:
                raise ValueError("base='data' needs data: the training data of the model")
            p = (rows.sum(0) + 1.0) / (rows.shape[0] + 2.0)
            return np.log(p) - np.log1p(-p), f"data (base rates of {rows.shape[0]} rows)"
        raise ValueError(f"base must be 'uniform', 'data', an RBM or biases, got {base!r}")
    if isinstance(base, BernoulliRBM):
        if base.n_visible != model.n_visible:
            raise ValueError(
                f"base has {base.n_visible} visible units, the model {model.n_visible}"
            )
        if np.any(base.weights != 0.0):
            raise ValueError("base must be an RBM with zero weights (an independent model)")
        return np.array(base.visible_bias), "given RBM with zero weights"
    bias = np.asarray(base, dtype=np.float64)
    if bias.shape != (model.n_visible,) or not np.all(np.isfinite(bias)):
        raise ValueError(
            f"base biases must be finite with shape ({model.n_visible},), got {bias.shape}"
        )
    return bias, "given visible biases"


class RBMAnnealingPath:
    """Geometric path from the base model (visible biases ``b_A``, no couplings) to the RBM.

    ``log_z_base = sum softplus(b_A) + n_hidden log 2`` (the hidden units are uniform at
    beta = 0).
    """

    def __init__(self, model, base_bias: np.ndarray, base_label: str, dtype, driver: str):
        dtype = np.dtype(dtype)
        if dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {dtype}")
        if driver not in ("auto", "fused", "batched"):
            raise ValueError(f"driver must be 'auto', 'fused' or 'batched', got {driver!r}")
        if driver == "auto":
            small = model.n_visible * model.n_hidden <= FUSED_MAX_WEIGHTS
            driver = "fused" if small and dtype == np.float64 else "batched"
        if driver == "fused" and dtype != np.float64:
            raise ValueError("the fused driver computes in float64; use driver='batched'")
        self.model = model
        self.base_bias = np.ascontiguousarray(base_bias, dtype=np.float64)
        self.base_label = base_label
        self.dtype = dtype
        self.driver = driver
        self.log_z_base = float(_softplus(self.base_bias).sum() + model.n_hidden * math.log(2.0))

    def describe(self) -> dict[str, Any]:
        return {
            "base": self.base_label,
            "log_z_base": self.log_z_base,
            "driver": self.driver,
            "dtype": self.dtype.name,
        }

    def forward(
        self, betas: np.ndarray, *, n_chains: int, n_sweeps: int, rng, progress: bool
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Run forward AIS; returns the log weights (without ``log_z_base``) and info."""
        state, entropy = seed_streams(rng, n_chains)
        visible = np.empty((n_chains, self.model.n_visible), dtype=self.dtype)
        log_w = np.zeros(n_chains)
        bar = Progress(len(betas) - 1, f"AIS ({n_chains} chains)", progress)
        start = time.perf_counter()
        if self.driver == "fused":
            self._forward_fused(betas, n_sweeps, visible, state, log_w, bar)
        else:
            self._forward_batched(betas, n_sweeps, visible, state, log_w, bar)
        bar.close()
        info = {"seconds": time.perf_counter() - start, "seed_entropy": entropy}
        return log_w, info

    def _forward_fused(self, betas, n_sweeps, visible, state, log_w, bar):
        m = self.model
        sample_base(self.base_bias, visible, state)
        weights_t = np.ascontiguousarray(m.weights.T)
        last = len(betas) - 1
        for k0 in range(0, last, _SEGMENT):
            k1 = min(k0 + _SEGMENT, last)
            ais_fused(
                m.weights, weights_t, m.visible_bias, m.hidden_bias, self.base_bias,
                betas[k0 : k1 + 1], n_sweeps, k1 < last, visible, state, log_w,
            )  # fmt: skip
            bar.update(k1)

    def _forward_batched(self, betas, n_sweeps, visible, state, log_w, bar):
        m = self.model
        n_chains = visible.shape[0]
        weights = m.weights.astype(self.dtype)
        weights_t = weights.T
        hidden = np.empty((n_chains, m.n_hidden), dtype=self.dtype)
        act = np.empty((n_chains, m.n_hidden), dtype=self.dtype)
        vis_products = np.empty((n_chains, m.n_visible), dtype=self.dtype)
        delta_bias = m.visible_bias - self.base_bias
        sample_base(self.base_bias, visible, state)
        last = len(betas) - 1
        for k in range(1, last + 1):
            beta = float(betas[k])
            np.matmul(visible, weights, out=act)
            increment_and_sample_hidden(
                act, m.hidden_bias, visible, delta_bias, float(betas[k - 1]), beta, log_w,
                hidden, state, k < last,
            )  # fmt: skip
            if k == last:
                break
            for sweep in range(n_sweeps):
                if sweep > 0:
                    np.matmul(visible, weights, out=act)
                    increment_and_sample_hidden(
                        act, m.hidden_bias, visible, delta_bias, -1.0, beta, log_w, hidden,
                        state, True,
                    )  # fmt: skip
                np.matmul(hidden, weights_t, out=vis_products)
                sample_visible(vis_products, m.visible_bias, self.base_bias, beta, visible, state)
            if k % 100 == 0:
                bar.update(k)
