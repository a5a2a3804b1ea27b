"""The compiled CD/PCD epoch against a NumPy reference on the same random numbers."""

import numpy as np
import pytest
from scipy.special import expit

from partition.kernels._random import seed_streams
from partition.kernels.continuous import stream_uniforms
from partition.kernels.train import cd_epoch


def _reference_epoch(w, b, c, vel, data, order, batch_size, k, persistent, chains, streams,
                     lr, momentum, decay):  # fmt: skip
    """The documented update in NumPy; uniforms from the same streams, in the same order."""
    w, b, c = w.copy(), b.copy(), c.copy()
    vel = [x.copy() for x in vel]
    chains, streams = chains.copy(), streams.copy()
    nv, nh = w.shape
    for first in range(0, len(order), batch_size):
        v_pos = data[order[first : first + batch_size]]
        size = v_pos.shape[0]
        h_pos = expit(v_pos @ w + c)
        neg = chains if persistent else v_pos.copy()
        s = streams if persistent else streams[:size]
        for _ in range(k):
            u = stream_uniforms(s, nh + nv)
            h = (u[:, :nh] < expit(neg @ w + c)).astype(float)
            neg = (u[:, nh:] < expit(h @ w.T + b)).astype(float)
        if persistent:
            chains = neg
        else:
            streams[:size] = s
        h_neg = expit(neg @ w + c)
        scale = size / neg.shape[0]
        grads = (
            v_pos.T @ h_pos - scale * neg.T @ h_neg - decay * size * w,
            v_pos.sum(0) - scale * neg.sum(0),
            h_pos.sum(0) - scale * h_neg.sum(0),
        )
        for p, v, g in zip((w, b, c), vel, grads, strict=True):
            v *= momentum
            v += (lr / size) * g
            p += v
    return w, b, c, chains


@pytest.mark.parametrize("persistent", [False, True], ids=["cd", "pcd"])
@pytest.mark.parametrize("k", [1, 3])
def test_an_epoch_matches_the_numpy_reference(persistent, k):
    gen = np.random.default_rng(0)
    data = (gen.random((53, 9)) < 0.4).astype(float)  # a last batch of 3 rows
    w, b, c = gen.normal(0, 0.5, (9, 4)), gen.normal(0, 0.5, 9), gen.normal(0, 0.5, 4)
    vel = [gen.normal(0, 0.01, x.shape) for x in (w, b, c)]
    n_chains = 7 if persistent else 10
    chains = (gen.random((n_chains, 9)) < 0.5).astype(float)
    streams, _ = seed_streams(gen, n_chains)
    order = gen.permutation(53)
    want = _reference_epoch(w, b, c, vel, data, order, 10, k, persistent, chains, streams,
                            0.1, 0.5, 1e-3)  # fmt: skip
    got = [w.copy(), b.copy(), c.copy()]
    got_vel = [x.copy() for x in vel]
    updates = cd_epoch(*got, *got_vel, data, order, 10, k, persistent, chains, streams,
                       0.1, 0.5, 1e-3)  # fmt: skip
    assert updates == 6
    for g, w_ in zip(got, want[:3], strict=True):
        np.testing.assert_allclose(g, w_, rtol=1e-10, atol=1e-12)
    if persistent:
        np.testing.assert_array_equal(chains, want[3])
