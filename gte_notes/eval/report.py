"""Plain-text tables of evaluation reports (Markdown, so they paste into README.md as they are)."""

from __future__ import annotations

from typing import Any


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def cell(v: Any) -> str:
        return f"{v:.2f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def _latency(lat: dict[str, float]) -> str:
    return ", ".join(f"{k.replace('_ms', '')} {v:.1f} ms" for k, v in lat.items())


def print_report(report: dict[str, Any]) -> None:
    head = f"{report['benchmark']} — model {report['model']} ({report['precision']})"
    kind = report["benchmark"]
    if kind == "scifact":
        print(
            f"{head}, split {report['split']}: {report['docs']} docs as notes ({report['chunks']} chunks), "
            f"{report['queries']} queries"
        )
        print(table(report["rows"], ["system", "ndcg@10", "recall@100"]))
        print(f"latency over these queries: {_latency(report['latency'])}")
    elif kind == "links":
        print(head)
        for v in report["vaults"]:
            print(
                f"\n{v['vault']}: {v['notes']} notes ({v['chunks']} chunks), "
                f"{v['sources']} notes with links, "
                f"{v['links']} links"
            )
            print(table(v["rows"], ["system", "recall@10", "micro_recall@10"]))
            print(f"related latency: {_latency(v['latency'])}")
    elif kind == "meaning":
        print(head)
        for m in report["sets"]:
            print(f"\n{m['name']}: {m['queries']} queries over {m['notes']} notes ({m['vault']})")
            print(table(m["rows"], ["system", "hit@1", "hit@10", "mrr@10"]))
    elif kind == "separation":
        print(head)
        print(
            table(
                report["sets"],
                [
                    "name",
                    "real",
                    "nonsense",
                    "auc",
                    "real_close",
                    "nonsense_close",
                    "real_median",
                    "nonsense_median",
                ],
            )
        )
    elif kind == "typos":
        print(f"{head}: {report['queries']} misspelled queries")
        print(table(report["rows"], ["system", "hit@1", "hit@10", "mrr@10"]))
        print(table(report["per_query"], ["vault", "query", "hybrid rank", "dense rank", "keyword rank"]))
    elif kind == "stsb":
        print(f"{head}, split {report['split']}: {report['pairs']} pairs")
        print(table(report["rows"], ["system", "spearman"]))
    else:
        print(head)
        print(report.get("text", ""))
