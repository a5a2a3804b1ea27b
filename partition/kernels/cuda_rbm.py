"""AIS for Bernoulli RBMs on a CUDA GPU (numba.cuda), one thread per chain.

The kernel is the fused CPU driver (``partition.kernels.rbm.ais_fused``) written for
the GPU: each thread runs one chain through a segment of temperatures, with the chain's
own SplitMix64 stream at the same indices as on the CPU (``n_hidden`` uniforms, then
``n_visible``, per transition), so CPU and GPU runs of one seed draw the same units and
agree to rounding (the GPU's ``exp`` and ``log`` differ from the CPU's polynomial in the
last bits; a draw whose uniform falls within such a difference of its threshold would
differ, about once in 10^15 draws). Products add the weight rows of the active units, as
the fused driver does. ``float32`` runs the products and the state in single precision,
the log weights in double.

This module is imported on first use of ``device="cuda"``: ``import partition`` does not
import numba.cuda, and ``check_device`` says when no CUDA device is found. The tests
run this kernel on numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) against the CPU
driver.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda, uint64

from partition.models.base import Backend

#: Threads per block.
THREADS = 128
#: Units per partial sum, as the CPU kernels (``partition.kernels.rbm.CHUNK``).
CHUNK = 32


def check_device() -> None:
    """Raise a clear ``ValueError`` when numba.cuda finds no device (or no driver)."""
    try:
        available = cuda.is_available()
    except Exception:  # a broken driver install reads as no device
        available = False
    if not available:
        raise ValueError(
            "device='cuda': no CUDA device was found (numba.cuda.is_available() is False); "
            "install a CUDA driver and `pip install 'partition[cuda]'`, or use device='cpu'"
        )


_MIX1 = uint64(0xBF58476D1CE4E5B9)
_MIX2 = uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0


@cuda.jit(device=True, inline=True)
def uniform_at(key, gamma, index):
    """The stream's number at ``index``: :func:`partition.kernels._random.uniform_at`."""
    z = key + index * gamma
    z = (z ^ (z >> uint64(30))) * _MIX1
    z = (z ^ (z >> uint64(27))) * _MIX2
    z = z ^ (z >> uint64(31))
    return float(z >> uint64(11)) * _TO_UNIT


@cuda.jit(device=True, inline=True)
def bernoulli(x, u):
    """1 with probability sigmoid(x) for the uniform u (no division, as on the CPU)."""
    e = math.exp(-abs(x))
    threshold = 1.0 if x >= 0.0 else e
    return 1.0 if u * (1.0 + e) < threshold else 0.0


@cuda.jit(device=True, inline=True)
def activations(weights, bias, units, out, c):
    """``out[c] = bias + units[c] @ weights`` for binary units: the rows that are on."""
    for j in range(out.shape[1]):
        out[c, j] = bias[j]
    for i in range(units.shape[1]):
        if units[c, i] != 0.0:
            for j in range(out.shape[1]):
                out[c, j] += weights[i, j]


@cuda.jit
def ais_segment(weights, weights_t, visible_bias, hidden_bias, base_bias, betas, n_sweeps,
                transition_at_end, visible, state, log_w, hidden, act, logits):  # fmt: skip
    c = cuda.grid(1)
    if c >= visible.shape[0]:
        return
    n_visible = visible.shape[1]
    n_hidden = hidden_bias.shape[0]
    n_betas = betas.shape[0]
    key = state[c, 0]
    gamma = state[c, 1]
    counter = state[c, 2]
    total = 0.0
    for k in range(1, n_betas):
        beta_prev = betas[k - 1]
        beta = betas[k]
        transition = k < n_betas - 1 or transition_at_end
        sweeps = n_sweeps if transition else 1
        for sweep in range(sweeps):
            activations(weights, hidden_bias, visible, act, c)  # act = c + v W
            if sweep == 0:
                linear = 0.0
                for i0 in range(0, n_visible, CHUNK):
                    part = 0.0
                    for i in range(i0, min(i0 + CHUNK, n_visible)):
                        part += (visible_bias[i] - base_bias[i]) * visible[c, i]
                    linear += part
                total += (beta - beta_prev) * linear
                for j0 in range(0, n_hidden, CHUNK):  # softplus sums in product form
                    positive = 0.0
                    prod_now = 1.0
                    prod_prev = 1.0
                    for j in range(j0, min(j0 + CHUNK, n_hidden)):
                        y = beta * act[c, j]
                        y_prev = beta_prev * act[c, j]
                        positive += max(y, 0.0) - max(y_prev, 0.0)
                        prod_now *= 1.0 + math.exp(-abs(y))
                        prod_prev *= 1.0 + math.exp(-abs(y_prev))
                    total += positive + math.log(prod_now) - math.log(prod_prev)
            if not transition:
                break
            for j in range(n_hidden):
                u = uniform_at(key, gamma, counter + uint64(j + 1))
                hidden[c, j] = bernoulli(beta * act[c, j], u)
            activations(weights_t, visible_bias, hidden, logits, c)  # logits = b + W h
            for i in range(n_visible):
                x = (1.0 - beta) * base_bias[i] + beta * logits[c, i]
                u = uniform_at(key, gamma, counter + uint64(n_hidden + i + 1))
                visible[c, i] = bernoulli(x, u)
            counter += uint64(n_hidden + n_visible)
    state[c, 2] = counter
    log_w[c] += total


class DeviceBackend(Backend):
    """The chains in device memory for a whole run (:class:`~partition.models.base.Backend`):
    states in the run's dtype, streams and log weights as they are; one copy in at the start
    and one out at the end."""

    name = "cuda"

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def put(self, array):
        if array.dtype.kind == "f" and array.ndim == 2:  # the states
            array = array.astype(self.dtype, copy=False)
        return cuda.to_device(np.ascontiguousarray(array))

    def get(self, array, out) -> None:
        out[...] = array.copy_to_host()


class DeviceRunner:
    """The model on the device once; each :meth:`advance` runs a segment on chains that stay
    on the device (:class:`DeviceBackend`)."""

    def __init__(self, model, base_bias, n_chains: int, dtype):
        self.dtype = np.dtype(dtype)
        self.backend = DeviceBackend(self.dtype)
        put = lambda a: cuda.to_device(np.ascontiguousarray(a, dtype=self.dtype))  # noqa: E731
        self.weights = put(model.weights)
        self.weights_t = put(model.weights.T)
        self.visible_bias = put(model.visible_bias)
        self.hidden_bias = put(model.hidden_bias)
        self.base_bias = put(base_bias)
        self.hidden = cuda.device_array((n_chains, model.n_hidden), dtype=self.dtype)
        self.act = cuda.device_array((n_chains, model.n_hidden), dtype=self.dtype)
        self.logits = cuda.device_array((n_chains, model.n_visible), dtype=self.dtype)
        self.kernel = ais_segment

    def advance(self, betas, n_sweeps, transition_at_end, states, streams, log_w):
        """A segment for the chains ``states``, ``streams``, ``log_w`` (device arrays, from
        :attr:`backend`); the increments are added to ``log_w`` there."""
        n = states.shape[0]
        if n == 0:  # a segment of one beta still runs: it compiles and changes nothing
            return
        d_betas = cuda.to_device(np.ascontiguousarray(betas, dtype=np.float64))
        blocks = -(-n // THREADS)
        self.kernel[blocks, THREADS](
            self.weights, self.weights_t, self.visible_bias, self.hidden_bias, self.base_bias,
            d_betas, n_sweeps, transition_at_end, states, streams, log_w,
            self.hidden[:n], self.act[:n], self.logits[:n],
        )  # fmt: skip
