"""Numba kernels for continuous targets: normal draws, the tempered density, the built-in
transitions (random-walk Metropolis, MALA, HMC) and the density's functions for the
population engine (:mod:`partition.engine`), which runs its AIS segments and SMC.

The tempered density between the Gaussian base (unnormalised ``log b(x) = -(x - m)' P (x - m)
/ 2``; a diagonal ``P`` is passed as its diagonal, shape ``(1, d)``) and the target
``log p*(x)`` is ``log f_beta = (1 - beta) log b + beta log p*``.

A *step* advances one chain by one transition at ``beta``::

    step(log_prob, grad_log_prob, x, cache, grad, beta, mean, precision, params,
         key, gamma, counter, scratch) -> (counter, acceptance probability, gradient calls)

``x`` (d,) is updated in place; ``cache[0] = log p*(x)``, ``cache[1] = log b(x)`` and ``grad``
(the gradient of ``log p*`` at ``x``, kept only by gradient-based steps) follow it (the
cache's entries after the first two are not the step's). ``grad_log_prob(y, out)``
writes the gradient at ``y`` into ``out`` (no allocation per call; :class:`~partition.LogDensity`
wraps a gradient that returns its array instead). ``params[0]`` is the step
size; ``params[1:]`` are the step's own (HMC: ``params[1]`` leapfrog steps). Random numbers
come from the chain's stream ``(key, gamma)`` at indices ``counter + 1, ...``; a step uses a
fixed count of them (see each step), so NumPy references can replay it from the same
uniforms (:mod:`partition.transitions`). Normals are drawn by inversion, one uniform each:
``z = Phi^-1(u + 2^-54)`` (the midpoint of the uniform's 2^-53 bin, so ``|z| < 8.3``; computed
from ``q = (u - 1/2) + 2^-54`` and ``1/2 - |q|``, both exact, since ``u + 2^-54`` rounds to 1 at
the top) by
Wichura's (1988) algorithm AS 241 (``PPND16``, relative error below 1e-15 against
``scipy.special.ndtri``). It takes half the time of Box-Muller here (a rational function in
the central 85%, one ``log`` and ``sqrt`` in the tails, against a ``log``, ``sqrt`` and
``cos`` per normal), and a fixed count of one uniform per normal keeps steps replayable.

A step written outside the package with this signature plugs into the same engine.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from partition._numba import jit
from partition.engine import run_chain, run_smc
from partition.kernels._random import uniform_at

#: Shift of a uniform ``k 2^-53`` to the midpoint of its bin: the inverse CDF never sees 0 or 1.
HALF_BIN = 2.0**-54


@jit(inline="always")
def _horner7(r, c7, c6, c5, c4, c3, c2, c1, c0):
    return ((((((c7 * r + c6) * r + c5) * r + c4) * r + c3) * r + c2) * r + c1) * r + c0


@jit(inline="always")
def inverse_normal_cdf(q):
    """``Phi^-1(1/2 + q)`` for ``-1/2 < q < 1/2`` (centred, so that both tails keep their
    precision) by AS 241 (Wichura 1988, ``PPND16``): a ratio of degree-7 polynomials in three
    regions (central ``|q| <= 0.425``, then in ``r = sqrt(-log(1/2 - |q|))`` for ``r <= 5``
    and beyond)."""
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        num = _horner7(
            r, 2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4,
            4.5921953931549871457e4, 1.3731693765509461125e4, 1.9715909503065514427e3,
            1.3314166789178437745e2, 3.3871328727963666080e0,
        )  # fmt: skip
        den = _horner7(
            r, 5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4,
            2.1213794301586595867e4, 5.3941960214247511077e3, 6.8718700749205790830e2,
            4.2313330701600911252e1, 1.0,
        )  # fmt: skip
        return q * num / den
    r = math.sqrt(-math.log(0.5 - abs(q)))
    if r <= 5.0:
        r -= 1.6
        num = _horner7(
            r, 7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
            1.27045825245236838258e0, 3.64784832476320460504e0, 5.76949722146069140550e0,
            4.63033784615654529590e0, 1.42343711074968357734e0,
        )  # fmt: skip
        den = _horner7(
            r, 1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
            1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e0,
            2.05319162663775882187e0, 1.0,
        )  # fmt: skip
    else:
        r -= 5.0
        num = _horner7(
            r, 2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
            2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e0,
            5.46378491116411436990e0, 6.65790464350110377720e0,
        )  # fmt: skip
        den = _horner7(
            r, 2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
            7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
            5.99832206555887937690e-1, 1.0,
        )  # fmt: skip
    z = num / den
    return -z if q < 0.0 else z


@jit(inline="always")
def normal_at(key, gamma, index):
    """A standard normal from the stream's uniform at ``index`` (by inversion)."""
    return inverse_normal_cdf((uniform_at(key, gamma, index) - 0.5) + HALF_BIN)


@jit(reassoc=True)
def fill_normals(key, gamma, counter, out):
    """``out`` filled with normals from the stream after ``counter`` (one uniform each); the
    new counter."""
    for i in range(out.shape[0]):
        out[i] = normal_at(key, gamma, counter + np.uint64(i + 1))
    return counter + np.uint64(out.shape[0])


@jit
def stream_uniforms(streams, n):
    """``(n_chains, n)`` uniforms, the next ``n`` of each chain's stream (counters advance)."""
    out = np.empty((streams.shape[0], n))
    for c in range(streams.shape[0]):
        for i in range(n):
            out[c, i] = uniform_at(streams[c, 0], streams[c, 1], streams[c, 2] + np.uint64(i + 1))
        streams[c, 2] += np.uint64(n)
    return out


@jit(inline="always")
def log_base(x, mean, precision):
    """``-(x - m)' P (x - m) / 2``; ``precision`` is ``(d, d)``, or ``(1, d)`` holding the
    diagonal of a diagonal ``P`` (O(d) instead of O(d^2))."""
    d = x.shape[0]
    total = 0.0
    if precision.shape[0] == 1:
        for i in range(d):
            y = x[i] - mean[i]
            total += precision[0, i] * y * y
        return -0.5 * total
    for i in range(d):
        row = 0.0
        for j in range(d):
            row += precision[i, j] * (x[j] - mean[j])
        total += (x[i] - mean[i]) * row
    return -0.5 * total


@jit(inline="always")
def tempered_grad(grad, x, beta, mean, precision, out):
    """``out = (1 - beta) grad log b(x) + beta grad`` (``precision`` as in :func:`log_base`)."""
    d = x.shape[0]
    if precision.shape[0] == 1:
        for i in range(d):
            out[i] = -(1.0 - beta) * precision[0, i] * (x[i] - mean[i]) + beta * grad[i]
        return
    for i in range(d):
        row = 0.0
        for j in range(d):
            row += precision[i, j] * (x[j] - mean[j])
        out[i] = -(1.0 - beta) * row + beta * grad[i]


@jit(inline="always")
def metropolis(log_ratio, key, gamma, counter):
    """Accept with probability ``min(1, exp(log_ratio))`` by the stream's next uniform; a
    ratio that is not finite (NaN, or a density at +-inf) is refused. Returns ``(counter,
    acceptance probability, accepted)``."""
    counter += np.uint64(1)
    u = uniform_at(key, gamma, counter)
    if not math.isfinite(log_ratio):
        return counter, 0.0, False
    accept = 1.0 if log_ratio >= 0.0 else math.exp(log_ratio)
    return counter, accept, u < accept


@jit
def no_gradient(x, out):  # noqa: ARG001
    """Stands in for a missing ``grad_log_prob``; steps that need one are refused earlier."""
    out[:] = 0.0


@jit(reassoc=True)
def rwm_step(
    log_prob, grad_log_prob, x, cache, grad, beta, mean, precision, params, key, gamma, counter,  # noqa: ARG001
    scratch,
):  # fmt: skip
    """Random-walk Metropolis: ``x' = x + eps z``; d + 1 uniforms, no gradient."""
    d = x.shape[0]
    eps = params[0]
    proposal = scratch[0]
    counter = fill_normals(key, gamma, counter, proposal)
    for i in range(d):
        proposal[i] = x[i] + eps * proposal[i]
    lp = log_prob(proposal)
    lb = log_base(proposal, mean, precision)
    log_ratio = (1.0 - beta) * (lb - cache[1]) + beta * (lp - cache[0])
    counter, accept, take = metropolis(log_ratio, key, gamma, counter)
    if take:
        x[:] = proposal
        cache[0] = lp
        cache[1] = lb
    return counter, accept, 0


@jit(reassoc=True)
def mala_step(
    log_prob, grad_log_prob, x, cache, grad, beta, mean, precision, params, key, gamma, counter,
    scratch,
):  # fmt: skip
    """Metropolis-adjusted Langevin: ``x' = x + eps^2/2 g(x) + eps z`` (g the tempered
    gradient), accepted with the proposal densities' ratio; d + 1 uniforms, 1 gradient."""
    d = x.shape[0]
    eps = params[0]
    half = 0.5 * eps * eps
    g_x = scratch[1]
    tempered_grad(grad, x, beta, mean, precision, g_x)
    z = scratch[0]
    counter = fill_normals(key, gamma, counter, z)
    proposal = scratch[2]
    for i in range(d):
        proposal[i] = x[i] + half * g_x[i] + eps * z[i]
    lp = log_prob(proposal)
    lb = log_base(proposal, mean, precision)
    new_grad = scratch[4]
    grad_log_prob(proposal, new_grad)
    g_y = scratch[3]
    tempered_grad(new_grad, proposal, beta, mean, precision, g_y)
    # log q(x | x') - log q(x' | x), q(b | a) = N(b; a + half g(a), eps^2)
    forward = 0.0
    backward = 0.0
    for i in range(d):
        forward += z[i] * z[i]
        r = x[i] - proposal[i] - half * g_y[i]
        backward += r * r
    log_ratio = (1.0 - beta) * (lb - cache[1]) + beta * (lp - cache[0])
    log_ratio += 0.5 * forward - backward / (4.0 * half)
    counter, accept, take = metropolis(log_ratio, key, gamma, counter)
    if take:
        x[:] = proposal
        cache[0] = lp
        cache[1] = lb
        grad[:] = new_grad
    return counter, accept, 1


@jit
def hmc_step(
    log_prob, grad_log_prob, x, cache, grad, beta, mean, precision, params, key, gamma, counter,
    scratch,
):  # fmt: skip
    """Hamiltonian Monte Carlo: momentum ``p ~ N(0, I)``, ``params[1]`` leapfrog steps of
    size ``eps``, accepted on the change of ``H = -log f_beta + |p|^2 / 2``; d + 1 uniforms,
    ``params[1]`` gradients."""
    d = x.shape[0]
    eps = params[0]
    n_leapfrog = int(params[1])
    p = scratch[0]
    counter = fill_normals(key, gamma, counter, p)
    q = scratch[1]
    g = scratch[2]
    kinetic0 = 0.0
    for i in range(d):
        kinetic0 += p[i] * p[i]
    # leapfrog with the half kicks of consecutive steps merged: a half kick, then per step a
    # drift, the gradient, and a full kick (a half kick after the last)
    half = 0.5 * eps
    tempered_grad(grad, x, beta, mean, precision, g)
    for i in range(d):
        p[i] += half * g[i]
        q[i] = x[i] + eps * p[i]
    new_grad = scratch[3]
    for step in range(n_leapfrog):
        grad_log_prob(q, new_grad)
        last = step == n_leapfrog - 1
        kick = half if last else eps
        tempered_grad(new_grad, q, beta, mean, precision, g)
        for i in range(d):
            p[i] += kick * g[i]
        if not last:
            for i in range(d):
                q[i] += eps * p[i]
    kinetic1 = 0.0
    for i in range(d):
        kinetic1 += p[i] * p[i]
    lp = log_prob(q)
    lb = log_base(q, mean, precision)
    log_ratio = (1.0 - beta) * (lb - cache[1]) + beta * (lp - cache[0])
    log_ratio += 0.5 * (kinetic0 - kinetic1)
    counter, accept, take = metropolis(log_ratio, key, gamma, counter)
    if take:
        x[:] = q
        cache[0] = lp
        cache[1] = lb
        grad[:] = new_grad
    return counter, accept, n_leapfrog


# --------------------------------------------------------------- the engine's functions
# (see :mod:`partition.engine`): a density is a family of the engine whose ``model`` is
# ``(mean, precision, jitter)``; its step, ``log_prob`` and ``grad_log_prob`` are constants
# of the kernels :func:`density_kernels` makes for them (a tuple holding numba functions
# turns them into first-class function values: calls through pointers, 10-15% of a 6-d
# random-walk step, and numba's experimental-feature warning). The cache is ``[log p*(x),
# log b(x), grad log p*(x)...]`` (the gradient kept only when the step needs it); the chain's
# transition state is its step's ``params`` (``params[0]`` set from the schedule's ``tune``,
# the temperature's step size, at every step); the statistics are :data:`DENSITY_STATS`;
# the scratch is ``(5, d)``.

#: The columns of a density's engine statistics.
DENSITY_STATS = ("acceptance", "steps", "log_prob_calls", "gradient_calls")


@jit(inline="always")
def density_increment(model, x, cache, beta_prev, beta, scratch, log_w):  # noqa: ARG001
    """``log_w`` plus ``(beta - beta_prev) (log p*(x) - log b(x))`` from the cache; -inf
    outside the density's support (a zero weight, also when ``beta == beta_prev``)."""
    gap = cache[0] - cache[1]
    return log_w + ((beta - beta_prev) * gap if gap != -np.inf else -np.inf)


_KERNELS: dict = {}


def density_kernels(step, log_prob, grad_log_prob, needs_grad: bool):
    """``(segment, smc)``: :func:`partition.engine.engine_segment` and
    :func:`partition.engine.run_smc` for this step and density, with the signatures of the
    families' cached kernels (``segment(model, schedule, population, shape)``). Made once
    per process for each combination and compiled at their first call; not cached on disk
    (numba does not cache functions that other functions are passed to)."""
    key = (step, log_prob, grad_log_prob, bool(needs_grad))
    if key in _KERNELS:
        return _KERNELS[key]
    with_grad = bool(needs_grad)

    @jit(inline="always")
    def init(model, x, scratch, stats):  # noqa: ARG001 - the engine's protocol
        cache = np.zeros(2 + x.shape[0])
        cache[0] = log_prob(x)
        cache[1] = log_base(x, model[0], model[1])
        stats[2] += 1.0
        if with_grad:
            grad_log_prob(x, cache[2:])
            stats[3] += 1.0
        return cache

    @jit(inline="always")
    def move(model, x, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats):
        # the step with step size tune (with jitter > 0, tune exp(-jitter u), u the chain's
        # next uniform, drawn before the step's own)
        mean, precision, jitter = model
        chain_state[0] = tune
        if jitter > 0.0:
            counter += np.uint64(1)
            chain_state[0] = tune * math.exp(-jitter * uniform_at(key, gamma, counter))
        counter, acc, calls = step(
            log_prob,
            grad_log_prob,
            x,
            cache,
            cache[2:],
            beta,
            mean,
            precision,
            chain_state,
            key,
            gamma,
            counter,
            scratch,
        )
        stats[0] += acc
        stats[1] += 1.0
        stats[2] += 1.0
        stats[3] += calls
        return counter

    @numba.njit(parallel=True, nogil=True, error_model="numpy")
    def segment(model, schedule, population, shape):
        log_w = population.log_w
        stats = population.stats
        for c in numba.prange(population.states.shape[0]):
            total, s = run_chain(
                init, density_increment, move, model, schedule, population, c, shape
            )
            log_w[c] += total
            for i in range(s.shape[0]):
                stats[c, i] += s[i]

    @numba.njit(parallel=True, nogil=True, error_model="numpy")
    def smc(model, schedule, population, shape, segment):
        return run_smc(init, density_increment, move, model, schedule, population, shape, segment)

    _KERNELS[key] = (segment, smc)
    return segment, smc


@numba.njit(nogil=True, error_model="numpy")
def adapt_step_sizes(
    step, log_prob, grad_log_prob, needs_grad, mean, precision, betas, params, n_sweeps,
    target_accept, initial, states, streams, out,
):  # fmt: skip
    """A pilot run that tunes the step size along ``betas``: at each temperature its chains
    take ``n_sweeps`` steps with ``out[k]``, and ``log out[k + 1] = log out[k] + 2 (mean
    acceptance - target_accept)``. ``out[0] = initial``. Serial: the pilot is small."""
    n_chains, d = states.shape
    n_betas = betas.shape[0]
    cache = np.empty((n_chains, 2))
    grads = np.zeros((n_chains, d))
    for c in range(n_chains):
        cache[c, 0] = log_prob(states[c])
        cache[c, 1] = log_base(states[c], mean, precision)
        if needs_grad:
            grad_log_prob(states[c], grads[c])
    scratch = np.empty((5, d))
    p = params.copy()
    log_eps = math.log(initial)
    out[0] = initial
    for k in range(1, n_betas):
        eps = math.exp(log_eps)
        out[k] = eps
        p[0] = eps
        accepted = 0.0
        for c in range(n_chains):
            counter = streams[c, 2]
            for _ in range(n_sweeps):
                counter, acc, _calls = step(
                    log_prob, grad_log_prob, states[c], cache[c], grads[c], betas[k], mean,
                    precision, p, streams[c, 0], streams[c, 1], counter, scratch,
                )  # fmt: skip
                accepted += acc
            streams[c, 2] = counter
        rate = accepted / (n_chains * n_sweeps)
        log_eps = min(max(log_eps + 2.0 * (rate - target_accept), -14.0), 7.0)
