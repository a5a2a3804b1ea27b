"""The ``partition`` command: exact log Z of a model file, and a demo on shipped data.

Run ``partition --help`` (or ``python -m partition --help``) for the subcommands.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
import time
from collections.abc import Sequence

import numpy as np

from partition.models.rbm import DEFAULT_MAX_TERMS


def _json_ready(value):
    """``value`` with NaN and inf as None and NumPy scalars and arrays as Python values."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_ready(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _print_json(obj) -> None:
    """Strict JSON on stdout: missing or non-finite numbers are ``null``, never ``NaN``."""
    print(json.dumps(_json_ready(obj), indent=2, allow_nan=False))


def _cmd_exact(args: argparse.Namespace) -> int:
    import partition as pt

    model = _load_model(args.model)
    est = pt.exact_log_z(model, max_terms=args.max_terms, progress=_progress(args))
    if args.json:
        _print_json({"model": args.model, **est.to_dict()})
    else:
        info = est.info
        print(f"model       {args.model}  ({model.n_visible} visible, {model.n_hidden} hidden)")
        print(f"log Z       {est.log_z:.10f}  (exact)")
        print(
            f"enumerated  {info['enumerated_layer']} layer, 2^{info['n_enumerated_units']} states "
            f"in {info['seconds']:.3f} s ({info['states_per_second']:.3g} states/s; "
            f"compilation {info['compile_seconds']:.3f} s apart)"
        )
    return 0


def _compilation(info) -> str:
    """``", compilation 2.31 s apart"`` when numba compiled kernels for this run."""
    seconds = info.get("compile_seconds", 0.0)
    return f", compilation {seconds:.2f} s apart" if seconds >= 0.01 else ""


def load_data(path: str) -> np.ndarray:
    """Read a data matrix from .npy, .npz (key ``data``, or its only array) or CSV/text.

    A CSV may start with a header row (skipped when it is not numbers). Every error names
    the file.
    """
    from partition._io import read_arrays

    if path.endswith((".npy", ".npz")):
        arrays = read_arrays(path, what="data file")
        if "" in arrays:
            return arrays[""]
        if "data" in arrays:
            return arrays["data"]
        if len(arrays) == 1:
            return next(iter(arrays.values()))
        raise ValueError(f"{path} holds several arrays ({', '.join(arrays)}); name one 'data'")
    try:
        with open(path) as fh:
            first = fh.readline()
    except FileNotFoundError:
        raise FileNotFoundError(f"data file not found: {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is a folder, not a data file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} could not be read as a text/CSV data file: {exc}") from None
    delimiter = "," if "," in first else None
    try:
        [float(x) for x in first.replace(",", " ").split()]
        header = 0
    except ValueError:
        header = 1  # a header row such as p0,p1,...
    try:
        return np.loadtxt(path, delimiter=delimiter, ndmin=2, skiprows=header)
    except ValueError as exc:
        raise ValueError(f"{path}: not a numeric CSV/text table ({exc})") from None


def _binary_file(
    path: str, option: str, n_columns: int | None = None, what: str = ""
) -> np.ndarray:
    """Binary rows from a data file, checked here so that every message names the file and
    the option that gave it (``--data x.npy must have 64 columns (the model's n_visible)``)."""
    from partition._validation import as_binary_rows

    data = load_data(path)
    width = np.shape(data)[-1] if n_columns is None else n_columns
    rows, _ = as_binary_rows(data, f"{option} {path}", width, what or "width")
    if rows.shape[0] == 0:
        raise ValueError(f"{option} {path} holds no rows")
    return rows


def _real_file(path: str, option: str, n_columns: int | None = None) -> np.ndarray:
    """Real, finite rows from a data file; every message names the option and the file."""
    from partition._validation import as_real_array

    rows = as_real_array(load_data(path), f"{option} {path}", ndim=2)
    if rows.shape[0] == 0:
        raise ValueError(f"{option} {path} holds no rows")
    if n_columns is not None and rows.shape[1] != n_columns:
        raise ValueError(
            f"{option} {path} must have {n_columns} columns (the width of DATA), got "
            f"{rows.shape[1]}"
        )
    return rows


def _number_arg(text: str) -> float:
    """A number as people write it on a command line: ``1000``, ``1e3``, ``2^36``, ``2**36``."""
    cleaned = text.strip().replace("**", "^")
    try:
        if "^" in cleaned:
            base, exponent = cleaned.split("^", 1)
            return float(base) ** float(exponent)
        return float(cleaned)
    except (ValueError, OverflowError):
        message = f"not a number: {text!r} (write 1000, 1e3 or 2^10)"
        raise argparse.ArgumentTypeError(message) from None


def _count(minimum: int):
    """An argparse type: a whole number >= ``minimum``, written as ``_number_arg`` reads."""

    def parse(text: str) -> int:
        value = _number_arg(text)
        if value != int(value) or value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text}")
        return int(value)

    parse.__name__ = "count"
    return parse


def _real(low: float, high: float = float("inf"), *, low_open: bool = False):
    """An argparse type: a number in ``[low, high)`` (``(low, high)`` when ``low_open``)."""

    def parse(text: str) -> float:
        value = _number_arg(text)
        if not (low < value if low_open else low <= value) or not value < high:
            bounds = f"{'(' if low_open else '['}{low:g}, {high:g})"
            raise argparse.ArgumentTypeError(f"must lie in {bounds}, got {text}")
        return value

    parse.__name__ = "number"
    return parse


def _schedule_arg(text: str):
    """A schedule name, or a whole number of temperatures (``1000``, ``1e3``, ``2^10``)."""
    if text.replace("_", "").isalpha():
        return text
    value = _number_arg(text)
    if value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"a number of steps must be a whole number, got {text}")
    return int(value)


#: Names the commands accept instead of a file: the shipped RBM and binary data set, and
#: the shipped real-valued data set (grey levels) for Gaussian-Bernoulli RBMs.
SHIPPED = "digits"
SHIPPED_CONTINUOUS = "digits-continuous"


def _load_model(path: str):
    """An RBM from a ``.npz`` file, or the shipped one for ``digits``."""
    import partition as pt

    if path == SHIPPED:
        return pt.datasets.digits_rbm()
    try:
        return pt.load_model(path)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{exc} (the shipped model is named '{SHIPPED}')") from None


def _annealing_inputs(args: argparse.Namespace):
    """The model, optional data and progress setting shared by ``ais`` and ``bdmc``."""
    import partition as pt

    model = _load_model(args.model)
    gaussian = isinstance(model, pt.GaussianBernoulliRBM)
    if args.base is not None and (args.base == "model") != gaussian:
        takes = "model or data" if gaussian else "uniform or data"
        kind = "a Gaussian-Bernoulli" if gaussian else "a Bernoulli"
        raise ValueError(f"--base {args.base} does not apply: {kind} RBM takes --base {takes}")
    if gaussian and getattr(args, "float32", False):
        raise ValueError("--float32 applies to Bernoulli RBMs (their batched driver) only")
    if args.data == SHIPPED and gaussian:
        raise ValueError(
            f"--data {SHIPPED} is the shipped binary digits; a Gaussian-Bernoulli RBM takes real "
            f"data: --data {SHIPPED_CONTINUOUS} (the shipped grey levels) or a file"
        )
    if args.data == SHIPPED_CONTINUOUS and not gaussian:
        raise ValueError(
            f"--data {SHIPPED_CONTINUOUS} is real-valued, for a Gaussian-Bernoulli RBM; a "
            f"Bernoulli RBM takes binary data: --data {SHIPPED} or a binary file"
        )
    if args.data == SHIPPED:
        from partition._validation import as_binary_rows

        data = pt.datasets.digits()[0]  # the training split: the base model's rates
        as_binary_rows(data, f"--data {SHIPPED}", model.n_visible, "n_visible")
    elif args.data == SHIPPED_CONTINUOUS:
        data = pt.datasets.digits_continuous()[0]
        data = model.validate_states(data, f"--data {SHIPPED_CONTINUOUS}")
    elif args.data and gaussian:
        data = model.validate_states(load_data(args.data), f"--data {args.data}")
    else:
        data = (
            _binary_file(args.data, "--data", model.n_visible, "n_visible") if args.data else None
        )
    return model, data, _progress(args)


def _family_options(model, args: argparse.Namespace) -> dict:
    """The path options a model's family takes from the command line."""
    import partition as pt

    options = {"base": args.base}
    if not isinstance(model, pt.GaussianBernoulliRBM) and getattr(args, "float32", False):
        options["dtype"] = np.float32
    return options


#: Seconds ``--scheduler`` waits to reach a Dask scheduler before it gives up.
SCHEDULER_TIMEOUT = 10.0


@contextlib.contextmanager
def _executor(args: argparse.Namespace):
    """``--workers N`` (a local pool of N spawned processes), ``--scheduler ADDRESS`` (a Dask
    scheduler) or neither (None); shut down at the end."""
    workers, address = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers and address:
        raise ValueError("--workers and --scheduler: give one of them")
    if address:
        try:
            import distributed
        except ImportError:
            raise ValueError(
                "--scheduler needs Dask: pip install 'partition[distributed]'"
            ) from None
        try:
            client = distributed.Client(address, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:  # unreachable, or not an address
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            what = (
                "not a scheduler address" if isinstance(exc, ValueError) else
                f"could not connect within {SCHEDULER_TIMEOUT:g} s"
            )  # fmt: skip
            raise ValueError(f"--scheduler {address}: {what} ({reason})") from None
        with client:
            yield client
    elif workers:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool
    else:
        yield None


def _run_annealing(args: argparse.Namespace, estimator):
    """``(model, data, estimator(model, ...))`` with the options every annealing command
    shares, on the executor that ``--workers``/``--scheduler`` ask for."""
    model, data, progress = _annealing_inputs(args)
    with _executor(args) as executor:
        result = estimator(
            model,
            n_chains=args.chains,
            schedule=args.schedule,
            data=data,
            n_sweeps=args.sweeps,
            progress=progress,
            executor=executor,
            rng=args.seed,
            **_family_options(model, args),
        )
    return model, data, result


def _cmd_ais(args: argparse.Namespace) -> int:
    import partition as pt

    model, data, est = _run_annealing(args, pt.ais)
    ll = pt.log_likelihood(model, data, est) if data is not None else None
    if args.json:
        out = {"model": args.model, **est.to_dict()}
        if ll is not None:
            out["data_log_likelihood"] = {
                "mean": ll.mean,
                "confidence_interval": list(ll.confidence_interval),
                "stderr_data": ll.stderr_data,
            }
        _print_json(out)
        return 0
    low, high = est.confidence_interval
    print(f"model       {args.model}  ({model.n_visible} visible, {model.n_hidden} hidden)")
    print(f"log Z       {est.log_z:.6f} +- {est.stderr:.6f}  (AIS, {est.n_samples} chains)")
    print(f"{est.confidence_level:.0%} CI      [{low:.6f}, {high:.6f}]")
    print(
        f"ESS         {est.ess:.1f} of {est.n_samples};  {est.info['n_temperatures']} "
        f"temperatures, base {est.info['base']}, {est.info['seconds']:.2f} s"
        f"{_compilation(est.info)}"
    )
    if ll is not None:
        print(
            f"data LL     {ll.mean:.4f} nats/row, {ll.confidence_level:.0%} CI "
            f"[{ll.confidence_interval.low:.4f}, {ll.confidence_interval.high:.4f}] "
            f"(+- {ll.stderr_data:.4f} over rows)"
        )
    return 0


def _cmd_bdmc(args: argparse.Namespace) -> int:
    import partition as pt

    model, _, bounds = _run_annealing(args, pt.bdmc)
    if args.json:
        out = {
            "model": args.model,
            "lower": bounds.lower.to_dict(),
            "upper": bounds.upper.to_dict(),
            "gap": bounds.gap,
            "upper_is_bound": bounds.upper_is_bound,
            "combined": bounds.combined.to_dict(),
        }
        _print_json(out)
        return 0
    exact = bounds.upper_is_bound
    rows = (
        ("lower (AIS)", bounds.lower),
        ("upper (reverse AIS)" if exact else "reverse AIS (no bound)", bounds.upper),
        ("combined (BAR)", bounds.combined),
    )
    print(f"model   {args.model}  ({model.n_visible} visible, {model.n_hidden} hidden)")
    for name, est in rows:
        print(f"{name:<22} {est.log_z:.6f} +- {est.stderr:.6f}")
    print(f"{'gap':<22} {bounds.gap:.6f}")
    print(f"reverse chains started from: {bounds.upper.info['samples']} samples")
    if not exact:
        print(
            "the reverse chains did not start from exact samples: the upper bound does not "
            "hold, and the gap bounds nothing"
        )
    elif bounds.gap > 4 * max(bounds.lower.stderr, bounds.upper.stderr):
        print("the gap is much wider than the standard errors: use more temperatures")
    return 0


def _cmd_bridge(args: argparse.Namespace) -> int:
    import partition as pt

    model_a = _load_model(args.model_a)
    model_b = _load_model(args.model_b)
    samples_a = samples_b = None
    if args.samples_a:
        samples_a = _binary_file(args.samples_a, "--samples-a", model_a.n_visible, "n_visible")
    if args.samples_b:
        samples_b = _binary_file(args.samples_b, "--samples-b", model_b.n_visible, "n_visible")
    est = pt.bridge(
        model_a, model_b, samples_a, samples_b, n_samples=args.samples,
        mcmc_sweeps=args.mcmc_sweeps, progress=_progress(args), rng=args.seed,
    )  # fmt: skip
    if args.json:
        _print_json({"model_a": args.model_a, "model_b": args.model_b, **est.to_dict()})
        return 0
    low, high = est.confidence_interval
    print(f"log Z_b - log Z_a = {est.log_z:.6f} +- {est.stderr:.6f}  (bridge, BAR)")
    print(f"{est.confidence_level:.0%} CI            [{low:.6f}, {high:.6f}]")
    kinds = est.info["samples"]
    how = kinds["a"] if kinds["a"] == kinds["b"] else f"A {kinds['a']}, B {kinds['b']}"
    print(f"draws              {est.info['n_a']} from A, {est.info['n_b']} from B: {how}")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    import partition as pt
    from partition._io import check_output_path

    check_output_path(args.out, force=args.force, what="--out")  # before minutes of training
    visible = args.visible or ("gaussian" if args.data == SHIPPED_CONTINUOUS else "binary")
    if args.data == SHIPPED_CONTINUOUS and visible != "gaussian":
        raise ValueError("DATA digits-continuous is real: train it with --visible gaussian")
    if args.data == SHIPPED:
        train, test = pt.datasets.digits()
    elif args.data == SHIPPED_CONTINUOUS:
        train, test = pt.datasets.digits_continuous()
    elif visible == "gaussian":
        train, test = _real_file(args.data, "DATA"), None
    else:
        train, test = _binary_file(args.data, "DATA"), None
    if args.test and visible == "gaussian":
        test = _real_file(args.test, "--test", train.shape[1])
    elif args.test:
        test = _binary_file(args.test, "--test", train.shape[1], "n_visible: the width of DATA")
    try:
        fit = pt.fit_rbm(
            train,
            args.hidden,
            method=args.method,
            visible=visible,
            noise_scale=args.noise_scale,
            n_epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.lr,
            momentum=args.momentum,
            weight_decay=args.weight_decay,
            k=args.k,
            test_data=test,
            monitor_every=args.monitor_every,
            progress=_progress(args),
            rng=args.seed,
        )
    except pt.TrainingDivergedError as exc:
        print(f"partition train: error: {exc}", file=sys.stderr)
        if args.keep_diverged:
            exc.model.save(args.out)
            print(f"partition train: saved the last finite model to {args.out}", file=sys.stderr)
        else:
            print("partition train: pass --keep-diverged to save it", file=sys.stderr)
        return 3
    fit.model.save(args.out)
    history = fit.history
    last = {key: values[-1] for key, values in history.items() if values}
    if args.json:
        _print_json({"out": args.out, "info": fit.info, "final": last})
        return 0
    print(f"trained {fit.model} by {args.method} in {fit.info['seconds']:.1f} s "
          f"({fit.info['n_updates']} updates); saved to {args.out}")  # fmt: skip
    if visible == "gaussian":
        print(f"{'epoch':>6} {'train LL':>10} {'test LL':>10} {'SM loss':>10}  "
              f"(log-likelihood: {last['log_likelihood_method']})")  # fmt: skip
        for row in zip(history["epoch"], history["train_log_likelihood"],
                       history["test_log_likelihood"], history["score_matching_loss"],
                       strict=True):  # fmt: skip
            print(f"{row[0]:>6d} {row[1]:>10.4f} {row[2]:>10.4f} {row[3]:>10.4f}")
        return 0
    header = f"{'epoch':>6} {'train LL':>10} {'test LL':>10} {'PL':>10} {'recon':>8}"
    print(f"{header}  (log-likelihood: {last['log_likelihood_method']})")
    for row in zip(
        history["epoch"], history["train_log_likelihood"], history["test_log_likelihood"],
        history["pseudo_log_likelihood"], history["reconstruction_error"], strict=True,
    ):  # fmt: skip
        print(f"{row[0]:>6d} {row[1]:>10.4f} {row[2]:>10.4f} {row[3]:>10.4f} {row[4]:>8.3f}")
    if args.method == "nce":
        print(f"NCE's learned log Z: {fit.info['nce_log_z']:.4f}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    import partition as pt

    train, test = pt.datasets.digits()
    rbm = pt.datasets.digits_rbm()
    progress = _progress(args)
    start = time.perf_counter()
    log_z = pt.exact_log_z(rbm, progress=progress)
    ll_train = pt.log_likelihood(rbm, train, log_z)
    ll_test = pt.log_likelihood(rbm, test, log_z)
    ais = pt.ais(rbm, n_chains=100, data=train, progress=progress, rng=args.seed)
    ll_ais = pt.log_likelihood(rbm, test, ais)
    short = pt.bdmc(rbm, n_chains=100, schedule=100, data=train, progress=progress, rng=args.seed)
    fit = pt.fit_rbm(
        train, 20, method="pcd", n_epochs=30, test_data=test, monitor_every=10,
        progress=progress, rng=args.seed,
    )  # fmt: skip
    evaluation = pt.evaluate(fit.model, test, train_data=train, rng=args.seed)
    seconds = time.perf_counter() - start
    if args.json:
        out = {
            "model": {"n_visible": rbm.n_visible, "n_hidden": rbm.n_hidden},
            "data": {"n_train": int(train.shape[0]), "n_test": int(test.shape[0])},
            "exact": log_z.to_dict(),
            "train_log_likelihood": ll_train.mean,
            "test_log_likelihood": ll_test.mean,
            "test_log_likelihood_stderr_data": ll_test.stderr_data,
            "ais": ais.to_dict(),
            "ais_test_log_likelihood": {
                "mean": ll_ais.mean,
                "confidence_interval": list(ll_ais.confidence_interval),
            },
            "trained": {
                "method": "pcd",
                "epochs": 30,
                "history_test_log_likelihood": fit.history["test_log_likelihood"],
                "evaluation": evaluation.to_dict(),
            },
            "bdmc_100_temperatures": {
                "lower": short.lower.log_z,
                "upper": short.upper.log_z,
                "gap": short.gap,
                "combined": short.combined.log_z,
            },
            "seconds": seconds,
        }
        _print_json(out)
        return 0
    print("partition demo: the shipped binarised 8x8 digits and the shipped RBM")
    print(
        f"  data   {train.shape[0]} train / {test.shape[0]} test images, "
        f"{train.shape[1]} binary pixels"
    )
    print(f"  model  RBM with {rbm.n_visible} visible and {rbm.n_hidden} hidden units")
    print(
        f"  exact log Z = {log_z.log_z:.6f}  (2^{log_z.info['n_enumerated_units']} "
        f"{log_z.info['enumerated_layer']} states enumerated in {log_z.info['seconds']:.3f} s"
        f"{_compilation(log_z.info)})"
    )
    print(f"  train log-likelihood = {ll_train.mean:.4f} nats/image")
    print(
        f"  test  log-likelihood = {ll_test.mean:.4f} nats/image "
        f"(+- {ll_test.stderr_data:.4f} over test images; log Z is exact)"
    )
    print(
        f"  AIS   log Z = {ais.log_z:.6f} +- {ais.stderr:.6f}  (100 chains, "
        f"{ais.info['n_temperatures']} temperatures, {ais.info['seconds']:.2f} s"
        f"{_compilation(ais.info)}); "
        f"error {ais.log_z - log_z.log_z:+.4f} = {(ais.log_z - log_z.log_z) / ais.stderr:+.2f} "
        "standard errors"
    )
    print(
        f"        test log-likelihood {ll_ais.mean:.4f}, 95% CI "
        f"[{ll_ais.confidence_interval.low:.4f}, {ll_ais.confidence_interval.high:.4f}]"
    )
    print(
        f"  BDMC with only 100 temperatures: lower {short.lower.log_z:.4f}, upper "
        f"{short.upper.log_z:.4f} (gap {short.gap:.3f}), BAR {short.combined.log_z:.4f}: "
        "a wide gap flags a schedule that is too short"
    )
    print(
        f"\n  trained an RBM with 20 hidden units by PCD, 30 epochs "
        f"({fit.info['seconds']:.1f} s); its evaluation:"
    )
    print("  " + evaluation.report().replace("\n", "\n  "))
    return 0


_MODEL_HELP = (
    "RBM file written by BernoulliRBM.save or GaussianBernoulliRBM.save (told apart by its "
    "keys), or 'digits' for the shipped RBM"
)


def _load_object(spec: str, option: str):
    """``path/to/file.py:Name`` or ``package.module:Name``: the object (a class is
    instantiated without arguments)."""
    import importlib
    import importlib.util
    import inspect
    import pathlib

    where, sep, attribute = spec.rpartition(":")
    if not sep or not where or not attribute:
        raise ValueError(f"{option}: {spec!r} is neither a built-in name nor FILE.py:NAME / "
                         "module:NAME")  # fmt: skip
    if where.endswith(".py") or pathlib.Path(where).is_file():
        path = pathlib.Path(where)
        if not path.is_file():
            raise FileNotFoundError(f"{option}: no file {where!r}")
        name = f"partition_user_{path.stem}_{abs(hash(str(path.resolve())))}"
        module = sys.modules.get(name)
        if module is None:  # loaded once per process: its numba functions compile once
            module_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module  # dataclasses and numba look their module up
            module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    if not hasattr(module, attribute):
        raise ValueError(f"{option}: {where!r} has no {attribute!r}")
    obj = getattr(module, attribute)
    return obj() if inspect.isclass(obj) else obj


def _names_or_objects(text: str, option: str, built_in) -> list:
    """Built-in names as they are, ``FILE.py:NAME`` items loaded (``pt.benchmark`` labels
    them by their ``name`` or ``__name__``)."""
    out = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            out.append(item if item in built_in else _load_object(item, option))
    if not out:
        raise ValueError(f"{option} is empty")
    return out


def _cmd_bench(args: argparse.Namespace) -> int:
    from partition import testsystems
    from partition.benchmark import ESTIMATORS, benchmark

    if args.list:
        rows = []
        for name in testsystems.names():
            system = testsystems.get(name)
            rows.append({"name": name, "family": system.family, "log_z": system.log_z,
                         "transitions": list(system.transitions),
                         "description": system.description, "source": system.source})  # fmt: skip
        if args.json:
            _print_json({"systems": rows, "transitions": list(testsystems.TRANSITIONS),
                         "estimators": list(ESTIMATORS)})  # fmt: skip
            return 0
        for row in rows:
            print(f"{row['name']:<24} {row['family']:<10} log Z {row['log_z']:>12.6f}  "
                  f"[{', '.join(row['transitions'])}]  {row['description']}")  # fmt: skip
        print(f"\ntransitions: {', '.join(testsystems.TRANSITIONS)} (or FILE.py:NAME)")
        print(f"estimators: {', '.join(ESTIMATORS)} (or FILE.py:NAME)")
        return 0
    if not args.targets:
        raise ValueError("--targets is required (partition bench --list shows the names)")
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    transitions = None
    if args.transitions is not None:
        transitions = _names_or_objects(args.transitions, "--transitions", testsystems.TRANSITIONS)
    estimators = _names_or_objects(args.estimators, "--estimators", ESTIMATORS)
    for target in targets:  # unknown names fail before any work
        if target != "all":
            testsystems.get(target)
    if args.plot:
        from partition.plotting import _pyplot

        _pyplot()  # matplotlib missing: say so before the runs, not after
    with _executor(args) as executor:
        result = benchmark(
            targets, transitions, estimators, args.budgets, args.repeats, n_chains=args.chains,
            progress=_progress(args), executor=executor, rng=args.seed,
        )  # fmt: skip
    if args.out:
        result.to_csv(args.out)
    if args.plot:
        result.plot().savefig(args.plot, dpi=120)
    if args.json:
        print(result.to_json())
        return 0
    print(f"{'target':<24} {'estimator':<10} {'transition':<12} {'budget':>7} {'rms':>8} "
          f"{'mean |z|':>8} {'cover':>6} {'seconds':>9}  goal")  # fmt: skip
    for line in result.summary(args.goal):
        print(f"{line['target']:<24} {line['estimator']:<10} {line['transition']:<12} "
              f"{line['budget']:>7} {line['rms_error']:>8.4f} {line['mean_abs_z']:>8.2f} "
              f"{line['coverage']:>6.2f} {line['seconds']:>9.4f}  "
              f"{'yes' if line['reaches_goal'] else 'no'}")  # fmt: skip
    print(f"\ngoal: an RMS error under {args.goal:g} nats (--goal)")
    for best in result.time_to_goal(args.goal):
        setting = f"{best['target']} {best['estimator']} {best['transition']}"
        if best["budget"] is None:
            print(f"{setting}: no budget reached the goal of {args.goal:g} nats")
        else:
            print(f"{setting}: reaches the goal of {args.goal:g} nats at budget "
                  f"{best['budget']} ({best['seconds']:.4f} s a run)")  # fmt: skip
    print("\ntrust: how often an interval missed the exact value without a warning")
    print(f"{'estimator':<12} {'family':<11} {'runs':>5} {'cover':>6} {'warned':>7} "
          f"{'silent miss':>12} {'false alarm':>12}")  # fmt: skip
    for line in result.trust():
        print(f"{line['estimator']:<12} {line['family']:<11} {line['runs']:>5} "
              f"{line['coverage']:>6.2f} {line['warned']:>7.2f} "
              f"{line['silent_miss_rate']:>12.2f} {line['false_alarm_rate']:>12.2f}")  # fmt: skip
    for skip in result.skipped:
        print(f"skipped {skip['transition']} on {skip['target']}: {skip['reason']}")
    if args.out:
        print(f"wrote {args.out}")
    if args.plot:
        print(f"wrote {args.plot}")
    return 0


def _budgets_arg(text: str) -> list[int]:
    parse = _count(1)
    try:
        return [parse(part) for part in text.split(",") if part.strip()]
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"budgets: {exc}") from None


_SEED_HELP = "random seed (default: none, a fresh one each run)"


def _annealing_options(
    parser: argparse.ArgumentParser, *, chains_help: str, data_help: str
) -> None:
    """The model file and the options shared by ``ais`` and ``bdmc``."""
    parser.add_argument("model", metavar="MODEL.npz", help=_MODEL_HELP)
    parser.add_argument("--chains", type=_count(2), default=100, help=chains_help)
    parser.add_argument(
        "--schedule",
        type=_schedule_arg,
        default="salakhutdinov_murray",
        help="salakhutdinov_murray (default, 14,500 steps), linear, geometric, sigmoid, or a "
        "number of steps of the sigmoid schedule",
    )
    parser.add_argument(
        "--data",
        help="data (.npy, .npz or CSV; binary for a Bernoulli RBM, real for a "
        "Gaussian-Bernoulli one), or a shipped training set: 'digits' (binary) or "
        "'digits-continuous' (grey levels): " + data_help,
    )
    parser.add_argument(
        "--base",
        choices=["uniform", "data", "model"],
        default=None,
        help="base model: uniform or data for a Bernoulli RBM, model (N(b, sigma^2)) or data "
        "for a Gaussian-Bernoulli one (default: data if --data is given, else uniform/model)",
    )
    parser.add_argument("--sweeps", type=_count(1), default=1, help="Gibbs sweeps per temperature")
    parser.add_argument("--seed", type=_count(0), default=None, help=_SEED_HELP)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    _progress_option(parser)
    _scale_options(parser)


def _scale_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=_count(1),
        default=None,
        help="run the chains in shards on N local worker processes (same numbers as one)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run them on a Dask cluster (tcp://host:8786); needs partition[distributed]",
    )


def _progress_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars on stderr (default: when stderr is a terminal)",
    )


def _progress(args: argparse.Namespace) -> bool:
    return args.progress if args.progress is not None else sys.stderr.isatty()


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, once: added unless the help already states
    one, or the option has none to state (a flag, or an option that is off when not given)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        has_default = not any(action.default is none for none in (None, False, argparse.SUPPRESS))
        if action.option_strings and has_default and action.nargs != 0:
            if "default" not in text.lower():
                text += " (default: %(default)s)"
        return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partition",
        description="Estimate log Z of energy-based models and say how far to trust it.",
        formatter_class=_HelpFormatter,
    )
    from partition import __version__

    parser.add_argument("--version", action="version", version=f"partition {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    add_parser = functools.partial(sub.add_parser, formatter_class=_HelpFormatter)

    p_exact = add_parser(
        "exact",
        help="exact log Z of an RBM file by enumeration",
        description="Exact log Z of an RBM saved as .npz (keys weights, visible_bias, "
        "hidden_bias): the smaller layer is enumerated, the other summed out.",
    )
    p_exact.add_argument("model", metavar="MODEL.npz", help=_MODEL_HELP)
    p_exact.add_argument("--json", action="store_true", help="print the result as JSON")
    p_exact.add_argument(
        "--max-terms",
        type=_number_arg,
        default=float(DEFAULT_MAX_TERMS),
        help="refuse enumerations needing more than this many terms "
        "(2^m states x n summed-out units; default 2^36)",
    )
    _progress_option(p_exact)
    p_exact.set_defaults(func=_cmd_exact)

    p_ais = add_parser(
        "ais",
        help="estimate log Z of an RBM file by annealed importance sampling",
        description="Estimate log Z of an RBM saved as .npz by AIS (Salakhutdinov & Murray "
        "2008 path), with its standard error, interval and effective sample size.",
    )
    _annealing_options(
        p_ais,
        chains_help="number of AIS chains (default 100)",
        data_help="the base model uses its base rates, and its mean log-likelihood is reported",
    )
    p_ais.add_argument("--float32", action="store_true", help="float32 matrix products")
    p_ais.set_defaults(func=_cmd_ais)

    p_bdmc = add_parser(
        "bdmc",
        help="sandwich log Z of an RBM file between forward and reverse AIS",
        description="Bidirectional Monte Carlo: forward AIS (a stochastic lower bound), "
        "reverse AIS from exact samples (an upper bound), their gap, and the BAR estimate "
        "that combines both.",
    )
    _annealing_options(
        p_bdmc,
        chains_help="chains per direction (default 100)",
        data_help="the base model uses its base rates",
    )
    p_bdmc.set_defaults(func=_cmd_bdmc)

    p_bridge = add_parser(
        "bridge",
        help="log Z_b - log Z_a of two RBM files by the optimal bridge (BAR)",
        description="The difference of log partition functions of two RBMs with the same "
        "visible layer, by Bennett's acceptance ratio on samples of both: exact samples by "
        "default, independent Gibbs chains with --mcmc-sweeps for models too large to sample "
        "exactly, or samples given as files (thinned MCMC draws).",
    )
    p_bridge.add_argument("model_a", metavar="A.npz", help="model A: " + _MODEL_HELP)
    p_bridge.add_argument("model_b", metavar="B.npz", help="model B, of A's size")
    p_bridge.add_argument(
        "--samples",
        type=_count(2),
        default=1000,
        help="samples drawn from each model, exactly unless --mcmc-sweeps (default 1000)",
    )
    p_bridge.add_argument(
        "--mcmc-sweeps",
        type=_count(1),
        default=None,
        metavar="N",
        help="draw the samples by N Gibbs sweeps of independent chains (for models too large "
        "to sample exactly; compare two values of N)",
    )
    p_bridge.add_argument("--samples-a", help="samples of A (.npy, .npz or CSV) instead")
    p_bridge.add_argument("--samples-b", help="samples of B (.npy, .npz or CSV) instead")
    p_bridge.add_argument("--seed", type=_count(0), default=None, help=_SEED_HELP)
    p_bridge.add_argument("--json", action="store_true", help="print the result as JSON")
    _progress_option(p_bridge)
    p_bridge.set_defaults(func=_cmd_bridge)

    p_train = add_parser(
        "train",
        help="fit an RBM to data and write it to a model file",
        description="Fit a Bernoulli RBM to binary data by contrastive divergence (cd), "
        "persistent CD (pcd), pseudo-likelihood (pl), ratio matching (rm) or noise-contrastive "
        "estimation (nce); or, with --visible gaussian, a Gaussian-Bernoulli RBM to real data "
        "by score matching (sm), denoising (dsm) or sliced (ssm) score matching, cd or pcd. "
        "The log-likelihood is monitored (exact when the enumerated layer is small, else AIS).",
    )
    p_train.add_argument(
        "data",
        metavar="DATA",
        help="data (.npy, .npz or CSV; binary, or real with --visible gaussian), or 'digits' "
        "(binary) or 'digits-continuous' (grey levels, dequantised and standardised) for the "
        "shipped sets",
    )
    p_train.add_argument(
        "--method",
        choices=["cd", "pcd", "pl", "rm", "nce", "sm", "dsm", "ssm"],
        default="pcd",
        help="learning rule (pl, rm, nce: binary; sm, dsm, ssm: gaussian)",
    )
    p_train.add_argument(
        "--visible", choices=["binary", "gaussian"], default=None,
        help="visible units (default: gaussian for digits-continuous, else binary)",
    )  # fmt: skip
    p_train.add_argument(
        "--noise-scale", type=_real(0.0, low_open=True), default=0.1,
        help="standard deviation of the corruption of dsm",
    )  # fmt: skip
    p_train.add_argument("--hidden", type=_count(1), default=20, help="hidden units")
    p_train.add_argument("--epochs", type=_count(1), default=50, help="passes over the data")
    p_train.add_argument("--batch-size", type=_count(1), default=20, help="examples per update")
    p_train.add_argument("--lr", type=_real(0.0, low_open=True), default=0.05, help="learning rate")
    p_train.add_argument("--momentum", type=_real(0.0, 1.0), default=0.5, help="SGD momentum")
    p_train.add_argument(
        "--weight-decay", type=_real(0.0, 1.0), default=1e-4, help="L2 decay of weights"
    )
    p_train.add_argument("--k", type=_count(1), default=1, help="Gibbs steps (CD-k, PCD)")
    p_train.add_argument(
        "--test", help="held-out data whose log-likelihood is monitored (digits: its test set)"
    )
    p_train.add_argument(
        "--monitor-every", type=_count(0), default=10, help="epochs between checkpoints (0: none)"
    )
    p_train.add_argument("--seed", type=_count(0), default=None, help=_SEED_HELP)
    p_train.add_argument("--out", required=True, metavar="MODEL.npz", help="where to save")
    p_train.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p_train.add_argument(
        "--keep-diverged",
        action="store_true",
        help="if training diverges (exit code 3), save the last finite model to --out",
    )
    p_train.add_argument("--json", action="store_true", help="print the result as JSON")
    _progress_option(p_train)
    p_train.set_defaults(func=_cmd_train)

    p_bench = add_parser(
        "bench",
        help="benchmark samplers and estimators on test systems with exact log Z",
        description="Run estimators (AIS, SMC, BDMC or your own) with transitions (the "
        "built-in ones or your own, from FILE.py:NAME) on test systems with an exact log Z "
        "at several budgets and repeats; print the RMS error, the mean absolute z-score and "
        "interval coverage per setting, and write every run to CSV, JSON or a figure.",
    )
    p_bench.add_argument("--list", action="store_true", help="list the test systems and exit")
    p_bench.add_argument("--targets", help="comma-separated system names, or all")
    p_bench.add_argument(
        "--transitions",
        default=None,
        help="comma-separated built-in names (block-gibbs, heat-bath, metropolis, rwm, mala, "
        "hmc) or FILE.py:NAME / module:NAME for your own (a class is instantiated); "
        "default: each target's built-in ones",
    )
    p_bench.add_argument(
        "--estimators",
        default="ais,smc,bdmc",
        help="comma-separated: ais, smc, bdmc, reverse-ais, lis, or FILE.py:NAME for your own "
        "callable (default: ais,smc,bdmc)",
    )
    p_bench.add_argument(
        "--budgets",
        type=_budgets_arg,
        default=[100, 300, 1000],
        help="comma-separated transitions per chain (temperatures x sweeps; default 100,300,1000)",
    )
    p_bench.add_argument("--repeats", type=_count(1), default=5, help="runs per setting")
    p_bench.add_argument("--chains", type=_count(2), default=100, help="chains per run")
    p_bench.add_argument(
        "--goal",
        type=_real(0.0, low_open=True),
        default=0.05,
        help="the RMS error (nats) a setting must reach (default 0.05)",
    )
    p_bench.add_argument("--out", metavar="RESULTS.csv", help="write every run as CSV")
    p_bench.add_argument("--plot", metavar="FIG.png", help="draw error against cost")
    p_bench.add_argument("--json", action="store_true", help="print the runs as JSON")
    p_bench.add_argument("--seed", type=_count(0), default=0, help="random seed (default 0)")
    _progress_option(p_bench)
    _scale_options(p_bench)
    p_bench.set_defaults(func=_cmd_bench)

    p_demo = add_parser(
        "demo",
        help="run on the shipped digits and RBM (no files needed): exact, AIS, BDMC, training",
        description="Exact log Z of the RBM shipped with the package, its AIS estimate "
        "with error bars and a BDMC sandwich, the train/test log-likelihood of the shipped "
        "binarised digits, then an RBM trained by PCD on them and its evaluation.",
    )
    p_demo.add_argument("--json", action="store_true", help="print the result as JSON")
    p_demo.add_argument("--seed", type=_count(0), default=0, help="random seed of the AIS run")
    _progress_option(p_demo)
    p_demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``partition`` console script."""
    import warnings

    from partition.results import UnreliableEstimateWarning

    parser = build_parser()
    args = parser.parse_args(argv)

    def show(message, category, *_args, **_kwargs):
        label = "warning" if issubclass(category, UnreliableEstimateWarning) else category.__name__
        print(f"partition {args.command}: {label}: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", UnreliableEstimateWarning)
            warnings.showwarning = show
            code = int(args.func(args))
            sys.stdout.flush()  # a closed pipe shows here, not at exit
            return code
    except BrokenPipeError:  # `partition ... | head`: the reader went away
        # nothing more can reach stdout; point it at /dev/null so that exit's flush is quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"partition {args.command}: error: the output was closed early", file=sys.stderr)
        return 2
    except (ValueError, TypeError, FileNotFoundError, ImportError) as exc:
        # ImportError: an optional extra is missing, and its message says which to install
        print(f"partition {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
