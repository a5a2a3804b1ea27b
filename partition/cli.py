"""The ``partition`` command: exact log Z of a model file, and a demo on shipped data.

Run ``partition --help`` (or ``python -m partition --help``) for the subcommands.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from partition.models.rbm import DEFAULT_MAX_TERMS


def _cmd_exact(args: argparse.Namespace) -> int:
    import partition as pt

    model = pt.BernoulliRBM.load(args.model)
    est = pt.exact_log_z(model, max_terms=args.max_terms)
    if args.json:
        print(json.dumps({"model": args.model, **est.to_dict()}, indent=2))
    else:
        info = est.info
        print(f"model       {args.model}  ({model.n_visible} visible, {model.n_hidden} hidden)")
        print(f"log Z       {est.log_z:.10f}  (exact)")
        print(
            f"enumerated  {info['enumerated_layer']} layer, 2^{info['n_enumerated_units']} states "
            f"in {info['seconds']:.3f} s ({info['states_per_second']:.3g} states/s)"
        )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    import partition as pt

    train, test = pt.datasets.digits()
    rbm = pt.datasets.digits_rbm()
    start = time.perf_counter()
    log_z = pt.exact_log_z(rbm)
    ll_train = pt.log_likelihood(rbm, train, log_z)
    ll_test = pt.log_likelihood(rbm, test, log_z)
    seconds = time.perf_counter() - start
    if args.json:
        out = {
            "model": {"n_visible": rbm.n_visible, "n_hidden": rbm.n_hidden},
            "data": {"n_train": int(train.shape[0]), "n_test": int(test.shape[0])},
            "exact": log_z.to_dict(),
            "train_log_likelihood": ll_train.mean,
            "test_log_likelihood": ll_test.mean,
            "test_log_likelihood_stderr_data": ll_test.stderr_data,
            "seconds": seconds,
        }
        print(json.dumps(out, indent=2))
        return 0
    print("partition demo: the shipped binarised 8x8 digits and the shipped RBM")
    print(
        f"  data   {train.shape[0]} train / {test.shape[0]} test images, "
        f"{train.shape[1]} binary pixels"
    )
    print(f"  model  RBM with {rbm.n_visible} visible and {rbm.n_hidden} hidden units")
    print(
        f"  exact log Z = {log_z.log_z:.6f}  (2^{log_z.info['n_enumerated_units']} "
        f"{log_z.info['enumerated_layer']} states enumerated in {log_z.info['seconds']:.3f} s)"
    )
    print(f"  train log-likelihood = {ll_train.mean:.4f} nats/image")
    print(
        f"  test  log-likelihood = {ll_test.mean:.4f} nats/image "
        f"(+- {ll_test.stderr_data:.4f} over test images; log Z is exact)"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partition",
        description="Estimate log Z of energy-based models and say how far to trust it.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p_exact = sub.add_parser(
        "exact",
        help="exact log Z of an RBM file by enumeration",
        description="Exact log Z of an RBM saved as .npz (keys weights, visible_bias, "
        "hidden_bias): the smaller layer is enumerated, the other summed out.",
    )
    p_exact.add_argument("model", metavar="MODEL.npz", help="RBM file written by BernoulliRBM.save")
    p_exact.add_argument("--json", action="store_true", help="print the result as JSON")
    p_exact.add_argument(
        "--max-terms",
        type=float,
        default=float(DEFAULT_MAX_TERMS),
        help="refuse enumerations needing more than this many terms "
        "(2^m states x n summed-out units; default 2^36)",
    )
    p_exact.set_defaults(func=_cmd_exact)

    p_demo = sub.add_parser(
        "demo",
        help="run on the shipped digits and RBM (no files needed)",
        description="Exact log Z of the RBM shipped with the package and the train/test "
        "log-likelihood of the shipped binarised digits under it.",
    )
    p_demo.add_argument("--json", action="store_true", help="print the result as JSON")
    p_demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``partition`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"partition {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
