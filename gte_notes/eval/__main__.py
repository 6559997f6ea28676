"""python -m gte_notes.eval scifact|links|stsb|tune: benchmark tables (or --json) through the app's code."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from gte_notes.core.errors import KnownError
from gte_notes.eval.harness import load_model
from gte_notes.eval.report import print_report

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gte_notes.eval", description=__doc__)
    p.add_argument("--model", help="model name or folder [default: the stand-in MiniLM when installed]")
    p.add_argument("--precision", default="fp32", choices=["auto", "fp32", "bf16", "int8"])
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--fresh", action="store_true",
                   help="index into a new temporary folder instead of the cache (~/.cache/gte-notes-eval)")
    sub = p.add_subparsers(dest="benchmark", required=True)

    s = sub.add_parser("scifact", help="nDCG@10 / Recall@100: exact dense, app dense, keyword, hybrid")
    s.add_argument("--data", type=Path, default=SHARED / "eval" / "scifact")
    s.add_argument("--split", default="test", choices=["test", "train"])
    s.add_argument("--queries", type=int, help="only the first N queries of the split (and their documents "
                                               "plus --distractors others)")
    s.add_argument("--distractors", type=int, default=300)

    s = sub.add_parser("links", help="related-notes link recall@10 on a vault with edges.tsv")
    s.add_argument("--vault", type=Path, action="append",
                   help="a vault folder (with notes/ and edges.tsv); repeat for several "
                        "[default: both shared vaults]")

    s = sub.add_parser("stsb", help="Spearman of the embedder's cosine on STS-B")
    s.add_argument("--data", type=Path, default=SHARED / "eval" / "stsb")
    s.add_argument("--split", default="test", choices=["test", "dev", "train"])

    s = sub.add_parser("tune", help="grid-search the fusion on SciFact train; report the choice on test")
    s.add_argument("--data", type=Path, default=SHARED / "eval" / "scifact")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KnownError as err:  # e.g. the cached index is being written by another run: no numbers
        print(f"gte_notes.eval: {err}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    embedder = load_model(args.model, args.precision)
    meta = {"benchmark": args.benchmark, "model": embedder.name, "precision": embedder.precision}
    with tempfile.TemporaryDirectory(prefix="gte-notes-eval-") as tmp:
        workdir = Path(tmp) if args.fresh else None
        if args.benchmark == "scifact":
            from gte_notes.eval.scifact import default_workdir, evaluate, load_scifact, subset

            sf = load_scifact(args.data, args.split)
            if args.queries:
                sf = subset(sf, sorted(sf.qrels, key=int)[: args.queries], args.distractors)
            report = evaluate(sf, embedder, workdir or default_workdir(sf), quiet=args.json)
            report.pop("runs")
            report = {**meta, "split": args.split, **report}
        elif args.benchmark == "links":
            from gte_notes.eval.links import evaluate_links

            vaults = args.vault or [SHARED / "vaults" / "dendron-site", SHARED / "vaults" / "vaultofknowledge"]
            report = {**meta, "vaults": [
                evaluate_links(v, embedder, workdir / v.name if workdir else None, quiet=args.json) for v in vaults
            ]}
        elif args.benchmark == "stsb":
            from gte_notes.eval.stsb import evaluate_stsb

            report = {**meta, **evaluate_stsb(args.data, embedder, args.split)}
        else:
            from gte_notes.eval.tune import tune

            report = {**meta, **tune(args.data, embedder, quiet=args.json)}
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
