"""Exact Ising log Z at the edges: huge couplings, models whose lattice disagrees with their
bonds, antiferromagnets on odd tori, and the cost bound (issue 11). Each case returned a
wrong number, NaN or inf, raised, or ran for minutes before its fix."""

import math

import numpy as np
import pytest

import partition as pt
from partition.models.ising import Lattice, square_lattice_edges
from partition.models.ising_exact import (
    brute_force_log_z,
    kac_ward_log_z,
    kaufman_log_z,
    transfer_matrix_log_z,
)


def rel(a, b):
    return abs(a - b) / abs(b)


LARGE = [19.9, 20.1, 178.0, 1000.0]  # 2K = 40 switches Kaufman to log space


@pytest.mark.parametrize("k", [*LARGE, -1000.0])
@pytest.mark.parametrize(
    ("L", "M", "boundary", "field"),
    [(3, 4, "open", 0.0), (3, 4, "open", 0.1), (4, 4, "periodic", 0.0), (4, 4, "periodic", 0.1),
     (3, 3, "periodic", 0.1), (2, 5, "open", -0.3)],
)  # fmt: skip
def test_huge_couplings_are_finite_and_equal_brute_force(k, L, M, boundary, field):
    model = pt.IsingModel.square_lattice(L, M, coupling=k, field=field, boundary=boundary)
    want = brute_force_log_z(model)
    got = pt.exact_log_z(model).log_z
    assert math.isfinite(got) and rel(got, want) < 1e-12
    assert rel(pt.ising_log_z(L, M, k, boundary, field=field), want) < 1e-12
    assert rel(transfer_matrix_log_z(model), want) < 1e-12
    if boundary == "open" and field == 0.0:
        assert rel(kac_ward_log_z(model), want) < 1e-12
    if boundary == "periodic" and field == 0.0 and (k > 0 or (L % 2 == 0 and M % 2 == 0)):
        assert rel(kaufman_log_z(L, M, k), want) < 1e-12


def test_issue_examples_are_finite_and_right():
    # 10x10 open, K = 75, h = 0.1: all up, then all down (energy higher by 2 h N = 20)
    got = pt.ising_log_z(10, coupling=75.0, field=0.1, boundary="open")
    assert rel(got, 75.0 * 180 + 10.0 + math.log1p(math.exp(-20.0))) < 1e-15
    # 4x4 open, K = 720, no field: the two ground states
    assert rel(pt.ising_log_z(4, coupling=720.0, boundary="open"), 720.0 * 24 + math.log(2)) < 1e-15
    # Kaufman at K >= 178 raised OverflowError: 2 ground states of 2 L M bonds
    for L in (6, 64, 1000):
        assert rel(pt.ising_log_z(L, coupling=500.0), 500.0 * 2 * L * L + math.log(2)) < 1e-14


@pytest.mark.parametrize(("L", "M"), [(5, 5), (3, 4), (3, 3), (5, 6)])
def test_antiferromagnet_on_an_odd_torus_falls_back_to_the_transfer_matrix(L, M):
    model = pt.IsingModel.square_lattice(L, M, coupling=-0.4)
    want = transfer_matrix_log_z(model)
    if L * M <= 24:
        assert rel(want, brute_force_log_z(model)) < 1e-12
    assert rel(pt.exact_log_z(model).log_z, want) < 1e-12
    assert rel(pt.ising_log_z(L, M, -0.4), want) < 1e-12
    with pytest.raises(ValueError, match="both sides even"):
        kaufman_log_z(L, M, -0.4)


def test_a_lattice_that_disagrees_with_the_bonds_is_refused():
    with pytest.raises(ValueError, match=r"edges: bond \(0, 4\) is not a bond"):
        pt.IsingModel(9, [[0, 4]], 0.5, lattice=Lattice((3, 3), "periodic"))
    with pytest.raises(ValueError, match="lattice 3x3 has 9 sites, the model 8"):
        pt.IsingModel(8, [[0, 1]], 0.5, lattice=Lattice((3, 3), "periodic"))
    with pytest.raises(TypeError, match="lattice must be a Lattice"):
        pt.IsingModel(9, [[0, 1]], 0.5, lattice="foo")
    with pytest.raises(ValueError, match="lattice boundary"):
        pt.IsingModel(9, [[0, 1]], 0.5, lattice=Lattice((3, 3), "twisted"))


def test_a_lattice_with_missing_bonds_never_takes_kaufman():
    # one bond of a 3x3 torus: exact_log_z gave 9.925 (Kaufman for all 18 bonds)
    model = pt.IsingModel(9, [[0, 1]], 0.5, lattice=Lattice((3, 3), "periodic"))
    want = 7 * math.log(2.0) + math.log(4.0 * math.cosh(0.5))
    assert rel(brute_force_log_z(model), want) < 1e-14
    est = pt.exact_log_z(model)
    assert rel(est.log_z, want) < 1e-12
    assert est.info["exact_method"] != "kaufman"
    # all bonds but one of a 4x4 torus
    edges = square_lattice_edges(4, 4)[1:]
    partial = pt.IsingModel(16, edges, 0.3, lattice=Lattice((4, 4), "periodic"))
    assert rel(pt.exact_log_z(partial).log_z, brute_force_log_z(partial)) < 1e-12


def test_ising_routes_refuse_work_above_max_terms_before_starting():
    # an open 300x300 lattice took 9 s and 2.5 GiB (546 s on a loaded machine)
    with pytest.raises(ValueError, match="max_terms"):
        pt.ising_log_z(300, coupling=0.3, boundary="open")
    big = pt.IsingModel.square_lattice(300, coupling=0.3, boundary="open")
    with pytest.raises(ValueError, match="kac_ward"):
        pt.exact_log_z(big)
    small = pt.IsingModel.square_lattice(4, coupling=0.3, field=0.1)
    with pytest.raises(ValueError, match="max_terms"):
        pt.exact_log_z(small, max_terms=10.0)
    # Kaufman costs O(L M): a 2000x2000 torus stays allowed
    assert math.isfinite(pt.ising_log_z(2000, coupling=0.3))
    with pytest.raises(ValueError, match="max_terms"):
        pt.ising_log_z(4, coupling=0.3, field=0.1, max_terms=0.0)


def test_couplings_of_the_wrong_length_are_named():
    with pytest.raises(ValueError, match="couplings must be a scalar or one value per edge"):
        pt.IsingModel(3, [[0, 1], [1, 2]], [1.0, 2.0, 3.0])


def test_the_cheapest_route_runs():
    cases = {
        (8, "periodic", 0.0): "kaufman",
        (8, "open", 0.0): "transfer_matrix",  # 25 * 8 * 8 * 256 = 4e5 terms, Kac-Ward 6.7e6
        (30, "open", 0.0): "kac_ward",  # the transfer matrix is limited to width 20
    }
    for (L, boundary, field), method in cases.items():
        model = pt.IsingModel.square_lattice(L, coupling=0.3, field=field, boundary=boundary)
        assert pt.exact_log_z(model).info["exact_method"] == method
    rng = np.random.default_rng(0)
    model = pt.IsingModel.square_lattice(5, 6, coupling=rng.normal(0, 1, 49), boundary="open")
    assert rel(pt.exact_log_z(model).log_z, kac_ward_log_z(model)) < 1e-12
