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
        if "cold_median_ms" in extra:
            lines.append(
                f"| {r['name']} (cold cache) | {_ms(extra['cold_median_ms'])} | {_ms(extra['cold_p95_ms'])} "
                "| | | | | first request after cache.clear() | |"
            )
        if extra.get("commit_ms") is not None:
            lines.append(
                f"| {r['name']} (committed, scratch copy) | {_ms(extra['commit_run_ms'])} | | | | | | "
                f"COMMIT {_ms(extra['commit_ms'])} ms | |"
            )
        if "rerun_median_ms" in extra:
            lines.append(
                f"| {r['name']} (rerun) | {_ms(extra['rerun_median_ms'])} | {_ms(extra['rerun_p95_ms'])} | | | | | "
                f"rows created: {extra['rerun_rows_created']} | |"
            )
        if "confirm_median_ms" in extra:
            lines.append(
                f"| {r['name']} (confirm) | {_ms(extra['confirm_median_ms'])} | {_ms(extra['confirm_p95_ms'])} | "
                f"{extra['confirm_queries']} | | | | peak RSS {extra['peak_rss_mb']} MB "
                f"(baseline {extra['baseline_rss_mb']} MB), {extra.get('rows_per_s_preview', '—')} rows/s "
                f"preview, {extra['rows_per_s_confirm']} rows/s confirm | |"
            )
    found = [r for r in out["results"] if r["name"].startswith("page search ")]
    if found:
        med = sorted(r["median_ms"] for r in found)
        lines += [
            "",
            f"Searches: {len(found)} measured, median of medians {_ms(med[len(med) // 2])} ms, "
            f"slowest {found[[r['median_ms'] for r in found].index(med[-1])]['name']} {_ms(med[-1])} ms",
        ]
    if out.get("vacuum_seconds") is not None:
        lines += [f"VACUUM ANALYZE before measuring: {out['vacuum_seconds']} s"]
    if out.get("concurrent"):
        lines += ["", concurrent_table(out["concurrent"])]
    if out["skipped"]:
        lines += ["", "Not measured:"]
        lines += [f"- {s['name']}: {s['reason']}" for s in out["skipped"]]
    seed_notes = [f"- seed {k}: {v['skipped']}" for k, v in out["seed"].items() if "skipped" in v]
    if seed_notes:
        lines += ["", "Not seeded yet:", *seed_notes]
    return "\n".join(lines)


def concurrent_table(c: dict) -> str:
    if "skipped" in c:
        return f"Concurrent run: not measured ({c['skipped']})"
    lines = [
        f"Concurrent run: {c['users']} users over gunicorn ({c['workers']} workers x {c['threads']} threads) for "
        f"{c['seconds']} s: {c['requests']} requests, {c['rps']} requests/s, p50 {_ms(c['p50_ms'])}, "
        f"p95 {_ms(c['p95_ms'])}, {c['errors']} errors (load average after {c.get('load_average')}); "
        f"POSTs ok {c['posts_ok']}, rows stored {c['rows_stored']} ({'each once' if c['stored_once'] else 'MISMATCH'})",
        "",
        "| request | count | p50 ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, k in c["by_kind"].items():
        lines.append(f"| {name} | {k['count']} | {_ms(k['p50_ms'])} | {_ms(k['p95_ms'])} | {k['errors']} |")
    if c.get("error_samples"):
        lines += ["", "Errors (samples): " + "; ".join(c["error_samples"])]
    return "\n".join(lines)
