"""python -m gte_notes.eval scifact|meaning|links|stsb|tune: benchmark tables (or --json) through
the app's code."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from gte_notes.core.errors import KnownError
from gte_notes.core.offline import stay_offline
from gte_notes.eval.harness import load_model
from gte_notes.eval.report import print_report

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gte_notes.eval", description=__doc__)
    p.add_argument("--model", help="model name or folder [default: the stand-in MiniLM when installed]")
    p.add_argument(
        "--precision", default="fp32", choices=["auto", "fp32", "bf16", "int8", "onnx-fp32", "onnx-int8"]
    )
    p.add_argument(
        "--dims",
        type=int,
        default=0,
        help="keep N of the model's vector dimensions, as the app's --dims does (0 = all)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--fresh",
        action="store_true",
        help="index into a new temporary folder instead of the cache (~/.cache/gte-notes-eval)",
    )
    sub = p.add_subparsers(dest="benchmark", required=True)

    s = sub.add_parser("scifact", help="nDCG@10 / Recall@100: exact dense, app dense, keyword, hybrid")
    s.add_argument("--data", type=Path, default=SHARED / "eval" / "scifact")
    s.add_argument("--split", default="test", choices=["test", "train"])
    s.add_argument(
        "--queries",
        type=int,
        help="only the first N queries of the split (and their documents plus --distractors others)",
    )
    s.add_argument("--distractors", type=int, default=300)

    s = sub.add_parser(
        "meaning", help="hit@1 / hit@10 / MRR@10 of queries that describe a note in other words"
    )
    s.add_argument(
        "--vault",
        type=Path,
        action="append",
        help="a notes folder (or a vault with notes/); repeat, paired with --queries "
        "[default: both shared vaults and their meaning sets]",
    )
    s.add_argument(
        "--queries", type=Path, action="append", help="query<TAB>path|path... TSV, one per --vault"
    )

    s = sub.add_parser("links", help="related-notes link recall@10 on a vault with edges.tsv")
    s.add_argument(
        "--vault",
        type=Path,
        action="append",
        help="a vault folder (with notes/ and edges.tsv); repeat for several [default: both shared vaults]",
    )

    s = sub.add_parser("stsb", help="Spearman of the embedder's cosine on STS-B")
    s.add_argument("--data", type=Path, default=SHARED / "eval" / "stsb")
    s.add_argument("--split", default="test", choices=["test", "dev", "train"])

    sub.add_parser("separation", help="ROC AUC of real hits' scores against nonsense queries' top scores")
    sub.add_parser("typos", help="hit@10 of misspelled queries (eval/data/typos.tsv)")

    s = sub.add_parser(
        "tune",
        help="choose the fusion on SciFact train + meaning/dendron-site; report it on "
        "SciFact test + meaning/vaultofknowledge",
    )
    s.add_argument("--data", type=Path, default=SHARED / "eval" / "scifact")
    return p


def _meaning_pairs(vaults: list[Path] | None, queries: list[Path] | None) -> list[tuple[Path, Path]]:
    if not vaults and not queries:
        return [
            (SHARED / "vaults" / name, SHARED / "eval" / "meaning" / f"{name}.tsv")
            for name in ("dendron-site", "vaultofknowledge")
        ]
    if not vaults or not queries or len(vaults) != len(queries):
        raise SystemExit("meaning: give --vault and --queries in pairs (one --queries per --vault)")
    return list(zip(vaults, queries, strict=True))


def main(argv: list[str] | None = None) -> int:
    stay_offline()  # before anything imports the model stack: see core/offline.py
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KnownError as err:  # e.g. the cached index is being written by another run: no numbers
        print(f"gte_notes.eval: {err}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    embedder = load_model(args.model, args.precision, args.dims)
    meta = {
        "benchmark": args.benchmark,
        "model": embedder.name,
        "precision": embedder.precision,
        "dims": embedder.dim,
    }
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
        elif args.benchmark == "meaning":
            from gte_notes.eval.meaning import evaluate_meaning

            pairs = _meaning_pairs(args.vault, args.queries)
            report = {
                **meta,
                "sets": [
                    evaluate_meaning(
                        v, q, embedder, workdir / f"meaning-{i}" if workdir else None, quiet=args.json
                    )
                    for i, (v, q) in enumerate(pairs)
                ],
            }
        elif args.benchmark == "links":
            from gte_notes.eval.links import evaluate_links

            vaults = args.vault or [
                SHARED / "vaults" / "dendron-site",
                SHARED / "vaults" / "vaultofknowledge",
            ]
            report = {
                **meta,
                "vaults": [
                    evaluate_links(v, embedder, workdir / v.name if workdir else None, quiet=args.json)
                    for v in vaults
                ],
            }
        elif args.benchmark == "stsb":
            from gte_notes.eval.stsb import evaluate_stsb

            report = {**meta, **evaluate_stsb(args.data, embedder, args.split)}
        elif args.benchmark == "separation":
            from gte_notes.eval.separation import evaluate_separation, load_nonsense

            nonsense = load_nonsense()
            report = {
                **meta,
                "sets": [
                    evaluate_separation(v, q, nonsense[v.name], embedder, quiet=args.json)
                    for v, q in _meaning_pairs(None, None)
                ],
            }
        elif args.benchmark == "typos":
            from gte_notes.eval.typos import evaluate_typos

            report = {**meta, **evaluate_typos(SHARED, embedder, quiet=args.json)}
        else:
            from gte_notes.eval.tune import tune

            report = {**meta, **tune(args.data, embedder, SHARED, quiet=args.json)}
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
