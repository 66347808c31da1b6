"""The printed table of a run (also pasted into bench/README.md)."""


def _ms(value) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f}"


def table(out: dict) -> str:
    m = out["machine"]
    lines = [
        f"Machine: {m['nproc']} cores, {m['memory_gib']} GiB, {m['database']}, Python {m['python']}, "
        f"Django {m['django']}; scale {out['scale']}; {'quick' if out['quick'] else 'full'} run at {out['at']}",
        f"Load average (1/5/15 min) before {out['load_average']['before']}, after {out['load_average']['after']}",
        "",
        "| measurement | median ms | p95 ms | queries | SQL floor ms | framework floor ms | ratio | target | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in out["results"]:
        target = ", ".join(f"{k} ≤ {v}" for k, v in r["target"].items()) or "—"
        lines.append(
            f"| {r['name']} | {_ms(r['median_ms'])} | {_ms(r['p95_ms'])} | {r['queries']} | {_ms(r['sql_floor_ms'])} | "
            f"{_ms(r['framework_floor_ms'])} | {r['ratio'] if r['ratio'] is not None else '—'} | {target} | {r['verdict']} |"
        )
        extra = r.get("extra", {})
        if "rerun_median_ms" in extra:
            lines.append(
                f"| {r['name']} (rerun) | {_ms(extra['rerun_median_ms'])} | {_ms(extra['rerun_p95_ms'])} | | | | | "
                f"rows created: {extra['rerun_rows_created']} | |"
            )
        if "confirm_median_ms" in extra:
            lines.append(
                f"| {r['name']} (confirm) | {_ms(extra['confirm_median_ms'])} | {_ms(extra['confirm_p95_ms'])} | "
                f"{extra['confirm_queries']} | | | | peak RSS {extra['peak_rss_mb']} MB "
                f"(baseline {extra['baseline_rss_mb']} MB), {extra['rows_per_s_confirm']} rows/s | |"
            )
    if out["skipped"]:
        lines += ["", "Not measured:"]
        lines += [f"- {s['name']}: {s['reason']}" for s in out["skipped"]]
    seed_notes = [f"- seed {k}: {v['skipped']}" for k, v in out["seed"].items() if "skipped" in v]
    if seed_notes:
        lines += ["", "Not seeded yet:", *seed_notes]
    return "\n".join(lines)
