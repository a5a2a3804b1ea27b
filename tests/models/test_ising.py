"""Ising models: construction, validation, exact log Z by four routes, the RBM mapping."""

import csv
import math
import pathlib

import numpy as np
import pytest
import scipy.sparse as sp

import partition as pt
from partition.models.ising import critical_coupling, square_lattice_edges
from partition.models.ising_exact import (
    brute_force_log_z,
    kac_ward_log_z,
    kaufman_log_z,
    ring_log_z,
    transfer_matrix_log_z,
)
from partition.models.testsystems import all_states

KC = critical_coupling()
COUPLINGS = [0.1, 0.3, KC, 0.6, 1.5]  # both sides of the critical coupling
DATA = pathlib.Path(__file__).resolve().parents[1] / "data"


def rel(a, b):
    return abs(a - b) / abs(b)


def random_lattice(L, M, boundary, rng, field=True):
    n_bonds = square_lattice_edges(L, M, boundary).shape[0]
    return pt.IsingModel.square_lattice(
        L,
        M,
        coupling=rng.normal(0, 1, n_bonds),
        field=rng.normal(0, 0.5, L * M) if field else 0.0,
        boundary=boundary,
    )


@pytest.mark.parametrize(("L", "M"), [(2, 2), (2, 3), (3, 3), (3, 4), (4, 4), (4, 5), (5, 4)])
@pytest.mark.parametrize("coupling", [*COUPLINGS, -0.4])
def test_kaufman_equals_brute_force(L, M, coupling):
    if coupling < 0 and (L % 2 or M % 2):
        pytest.skip("negative coupling needs a bipartite torus")
    model = pt.IsingModel.square_lattice(L, M, coupling=coupling)
    assert rel(kaufman_log_z(L, M, coupling), brute_force_log_z(model)) < 1e-12


@pytest.mark.parametrize(("L", "M"), [(6, 6), (8, 8), (6, 9), (3, 7)])
@pytest.mark.parametrize("coupling", COUPLINGS)
def test_kaufman_equals_transfer_matrix(L, M, coupling):
    model = pt.IsingModel.square_lattice(L, M, coupling=coupling)
    assert rel(kaufman_log_z(L, M, coupling), transfer_matrix_log_z(model)) < 1e-12


def test_reference_values_reproduced():
    shared = DATA.parents[2] / "shared" / "reference" / "ising_square_lattice.csv"
    local = DATA / "ising_square_lattice.csv"
    if shared.exists():  # the copy in tests/data must be the team's reference
        assert shared.read_text() == local.read_text()
    rows = list(csv.DictReader(local.open()))
    assert len(rows) == 12
    for row in rows:
        L, k, ref = int(row["L"]), float(row["K"]), float(row["lnZ"])
        got = pt.ising_log_z(L, L, k, row["boundary"])
        assert rel(got, ref) < 1e-10, row
        model = pt.IsingModel.square_lattice(L, coupling=k, boundary=row["boundary"])
        assert rel(pt.exact_log_z(model).log_z, ref) < 1e-10, row


def test_kaufman_sign_of_gamma0_matters():
    """Below K_c the fourth term is negative; adding it as positive is off by up to log 2."""
    L, k = 6, 0.2
    exact = transfer_matrix_log_z(pt.IsingModel.square_lattice(L, coupling=k))
    assert rel(kaufman_log_z(L, L, k), exact) < 1e-12
    assert 2.0 * k + math.log(math.tanh(k)) < 0  # gamma_0 < 0 here


@pytest.mark.parametrize(("L", "M"), [(3, 4), (4, 5), (1, 6), (2, 7), (6, 5)])
def test_open_kac_ward_transfer_matrix_brute_force(L, M):
    rng = np.random.default_rng(L * 10 + M)
    for coupling in (0.44, rng.normal(0, 1.5, square_lattice_edges(L, M, "open").shape[0])):
        model = pt.IsingModel.square_lattice(L, M, coupling=coupling, boundary="open")
        kw = kac_ward_log_z(model)  # spin glass couplings of both signs included
        assert rel(kw, transfer_matrix_log_z(model)) < 1e-12
        if L * M <= 24:
            assert rel(kw, brute_force_log_z(model)) < 1e-12


@pytest.mark.parametrize(("L", "M"), [(12, 12), (16, 9)])
def test_open_kac_ward_equals_transfer_matrix_larger(L, M):
    model = random_lattice(L, M, "open", np.random.default_rng(L), field=False)
    assert rel(kac_ward_log_z(model), transfer_matrix_log_z(model)) < 1e-12


@pytest.mark.parametrize("boundary", ["periodic", "open"])
@pytest.mark.parametrize(("L", "M"), [(2, 5), (3, 4), (4, 5), (5, 3)])
def test_transfer_matrix_with_fields_equals_brute_force(L, M, boundary):
    model = random_lattice(L, M, boundary, np.random.default_rng(L + 7 * M))
    assert rel(transfer_matrix_log_z(model), brute_force_log_z(model)) < 1e-12


@pytest.mark.parametrize(("n", "j", "h"), [(3, 0.5, 0.0), (7, -0.8, 0.3), (12, 1.1, -0.2)])
def test_ring(n, j, h):
    model = pt.IsingModel.ring(n, j, h)
    assert rel(ring_log_z(n, j, h), brute_force_log_z(model)) < 1e-12
    assert rel(pt.exact_log_z(model).log_z, ring_log_z(n, j, h)) < 1e-12


def test_exact_log_z_dispatch():
    cases = [
        (pt.IsingModel.square_lattice(40, coupling=0.3), "kaufman"),
        (pt.IsingModel.square_lattice(30, coupling=0.3, boundary="open"), "kac_ward"),
        (pt.IsingModel.square_lattice(6, 30, coupling=0.3, field=0.1), "transfer_matrix"),
        (pt.IsingModel.square_lattice(2, 2, coupling=0.3), "rbm_enumeration"),  # cheapest
        (pt.IsingModel.ring(9, 0.3), "brute_force"),
    ]
    for model, method in cases:
        assert pt.exact_log_z(model).info["exact_method"] == method
    # the 2 x 2 torus has doubled bonds: its value still matches Kaufman's formula
    assert rel(pt.exact_log_z(cases[3][0]).log_z, kaufman_log_z(2, 2, 0.3)) < 1e-12
    ring = pt.IsingModel.ring(30, 0.3)  # bipartite, too many spins to enumerate directly
    est = pt.exact_log_z(ring)
    assert est.info["exact_method"] == "rbm_enumeration"
    assert rel(est.log_z, ring_log_z(30, 0.3)) < 1e-12
    with pytest.raises(ValueError, match="no exact method"):
        pt.exact_log_z(pt.IsingModel.ring(31, 0.3))


def test_ising_log_z_methods_agree():
    for method in ("auto", "kaufman", "transfer_matrix", "brute_force"):
        assert rel(pt.ising_log_z(4, 4, 0.35, method=method), kaufman_log_z(4, 4, 0.35)) < 1e-12
    for method in ("kac_ward", "transfer_matrix", "brute_force", "auto"):
        want = brute_force_log_z(pt.IsingModel.square_lattice(4, coupling=0.35, boundary="open"))
        got = pt.ising_log_z(4, 4, 0.35, "open", method=method)
        assert rel(got, want) < 1e-12
    with_field = pt.ising_log_z(4, 5, 0.35, "periodic", field=0.2)
    model = pt.IsingModel.square_lattice(4, 5, coupling=0.35, field=0.2)
    assert rel(with_field, brute_force_log_z(model)) < 1e-12
    assert math.isfinite(pt.ising_log_z(2000, 3000, KC))  # Kaufman at any size


@pytest.mark.parametrize("boundary", ["periodic", "open"])
@pytest.mark.parametrize("field", [0.0, 0.3])
@pytest.mark.parametrize(("L", "M"), [(4, 4), (4, 6), (2, 4), (3, 4)])
def test_to_rbm_exact(L, M, boundary, field):
    if boundary == "periodic" and (L % 2 or M % 2):
        pytest.skip("odd periodic side: not bipartite")
    rng = np.random.default_rng(L * M)
    model = pt.IsingModel.square_lattice(
        L, M, coupling=0.5, field=field * rng.normal(size=L * M), boundary=boundary
    )
    rbm, offset = model.to_rbm()
    assert rbm.n_visible + rbm.n_hidden == L * M
    # the transfer matrix is checked against brute force above; it is fast at 24 spins
    assert rel(pt.exact_log_z(rbm).log_z + offset, transfer_matrix_log_z(model)) < 1e-12


def test_to_rbm_energies_match_state_by_state():
    model = random_lattice(3, 4, "open", np.random.default_rng(1))
    rbm, offset = model.to_rbm()
    colour = model.two_coloring()
    vis, hid = np.flatnonzero(colour == 0), np.flatnonzero(colour == 1)
    x = all_states(model.n_spins)[::37]
    s = 2 * x - 1
    np.testing.assert_allclose(
        -model.energy(s), -rbm.energy(x[:, vis], x[:, hid]) + offset, rtol=1e-12, atol=1e-12
    )


def test_to_rbm_refuses_odd_cycles():
    with pytest.raises(ValueError, match="odd periodic side"):
        pt.IsingModel.square_lattice(3, 4, coupling=0.3).to_rbm()
    with pytest.raises(ValueError, match="bipartite"):
        pt.IsingModel.ring(5, 0.3).to_rbm()


def test_energy_and_neighbour_lists_against_dense_matrix():
    rng = np.random.default_rng(3)
    model = random_lattice(4, 5, "periodic", rng)
    dense = np.zeros((20, 20))
    for (a, b), j in zip(model.edges, model.couplings, strict=True):
        dense[a, b] = dense[b, a] = j
    s = 2.0 * (rng.random((6, 20)) < 0.5) - 1.0
    want = -0.5 * np.einsum("ni,ij,nj->n", s, dense, s) - s @ model.fields
    np.testing.assert_allclose(model.energy(s), want, rtol=1e-13)
    p = model.params
    csr = sp.csr_matrix((p.couplings, p.indices, p.indptr), shape=(20, 20))
    np.testing.assert_allclose(csr.toarray(), dense)
    again = pt.IsingModel.from_couplings(sp.csr_matrix(dense), model.fields)
    np.testing.assert_allclose(again.energy(s), want, rtol=1e-13)


def test_square_lattice_merges_doubled_bonds_and_is_sparse():
    two = pt.IsingModel.square_lattice(2, 3, coupling=0.5)
    assert two.n_edges == 9  # 3 vertical pairs merged to 2K, 6 horizontal
    assert sorted(set(two.couplings.tolist())) == [0.5, 1.0]
    big = pt.IsingModel.square_lattice(256, coupling=0.4)
    assert big.n_edges == 2 * 256 * 256
    assert big.params.indices.nbytes == 8 * 4 * 256 * 256  # neighbour lists, no dense matrix


@pytest.mark.parametrize(
    ("make", "err", "match"),
    [
        (
            lambda: pt.IsingModel.from_couplings(np.array([[0, 1.0], [0.5, 0]])),
            ValueError,
            "symmetric",
        ),
        (lambda: pt.IsingModel.from_couplings(np.eye(2)), ValueError, "zero diagonal"),
        (lambda: pt.IsingModel.from_couplings(np.zeros((2, 3))), ValueError, "square"),
        (lambda: pt.IsingModel(3, [[0, 0]], 1.0), ValueError, "self-coupling"),
        (lambda: pt.IsingModel(3, [[0, 5]], 1.0), ValueError, "edges must index"),
        (lambda: pt.IsingModel(3, [[0, 1]], np.nan), ValueError, "couplings must be finite"),
        (
            lambda: pt.IsingModel(3, [[0, 1]], 1.0, fields=[0, np.inf, 0]),
            ValueError,
            "fields must be finite",
        ),
        (lambda: pt.IsingModel(3, [[0, 1]], 1.0, fields=[0, 1]), ValueError, "fields must be"),
        (lambda: pt.IsingModel(3, [[0.5, 1]], 1.0), TypeError, "integer"),
        (lambda: pt.IsingModel.square_lattice(4, boundary="helical"), ValueError, "boundary"),
        (lambda: pt.IsingModel.square_lattice(1, 4), ValueError, "periodic lattice needs"),
        (
            lambda: pt.IsingModel.square_lattice(3, coupling=[1.0, 2.0]),
            ValueError,
            "one value per bond",
        ),
        (
            lambda: pt.IsingModel.square_lattice(3, coupling=np.inf),
            ValueError,
            "coupling must be finite",
        ),
        (lambda: pt.ising_log_z(4, 4, 0.3, "helical"), ValueError, "boundary"),
        (lambda: pt.ising_log_z(4, 4, float("nan")), ValueError, "coupling must be finite"),
        (lambda: pt.ising_log_z(4, 4, 0.3, method="magic"), ValueError, "method"),
        (lambda: pt.ising_log_z(5, 5, 0.3, field=0.1, method="kaufman"), ValueError, "Kaufman"),
        (lambda: kaufman_log_z(3, 4, -0.3), ValueError, "even"),
        (
            lambda: kac_ward_log_z(pt.IsingModel.square_lattice(4, coupling=0.3)),
            ValueError,
            "planar",
        ),
    ],
)
def test_bad_input(make, err, match):
    with pytest.raises(err, match=match):
        make()


def test_energy_rejects_non_spins():
    model = pt.IsingModel.ring(4, 1.0)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        model.energy([1, 0, 1, 1])
    with pytest.raises(ValueError, match="4 columns"):
        model.energy([1, 1, 1])
