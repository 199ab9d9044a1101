"""The benchmark's report: the results table and the issue's targets."""

TARGET_RATE = 2000  # partners per second, Odoo side, for the full push and pull
INCREMENTAL_SHARE = 0.02  # an incremental run (1 % changed) against the full one
SQL_RATIO = 1.5  # SQL per call, largest N against smallest N ...
SQL_SLACK = 5  # ... plus a few queries
MEMORY_GROWTH = 4  # peak memory, largest N against smallest N (at least 1 MB)
MIN_SECONDS = 1e-9  # guards the divisions by a time

HEADER = [
    "| N | scenario | wall s | CPU s | of which fake Mailchimp s | Odoo side s"
    " | partners/s (Odoo side) | HTTP calls | floor | SQL queries"
    " | SQL per call | peak MB |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
]


def _floor_text(r):
    if not r["floor"]:
        return ""
    value, kind = r["floor"]
    met = r[kind] <= value
    return f"{value} {kind}: {'met' if met else 'MISSED'}"


def _table_line(r):
    floor = _floor_text(r)
    odoo_s = max(r["wall_s"] - r.get("fake_s", 0), 0)
    rate_n = r.get("rate_n", r["N"])
    per_sec = (
        rate_n / odoo_s
        if odoo_s and ("full" in r["scenario"] or "rate_n" in r)
        else None
    )
    batches = max(1, r["upserts"] + r["pages"])
    return (
        f"| {r['N']:,} | {r['scenario']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
        f"{r.get('fake_s', 0):.1f} | {odoo_s:.1f} | "
        f"{per_sec and f'{per_sec:,.0f}' or ''} | {r['http']:,} | {floor} | "
        f"{r['sql']:,} | {r['sql'] / batches:.0f} | {r['peak_mb']:.1f} |"
    )


def markdown(rows):
    return "\n".join(HEADER + [_table_line(r) for r in rows])


def _odoo_s(row):
    return max(row["wall_s"] - row.get("fake_s", 0), MIN_SECONDS)


def _target(text, met):
    return f"- {'met' if met else '**MISSED**'}: {text}"


def _floor_target(rows):
    floors = [r for r in rows if r["floor"]]
    at_floor = sum(r[r["floor"][1]] <= r["floor"][0] for r in floors)
    return _target(
        "HTTP calls at the floor (ceil(N/500) upserts per push and list export, "
        "ceil(N/1000) pages per full pull, no upsert when nothing changed): "
        f"{at_floor} of {len(floors)} rows",
        at_floor == len(floors),
    )


def _full_run_targets(by, sizes, scenario):
    """SQL per call constant in N, and the rate, of a full push or pull."""
    per_call = [
        by[n, scenario]["sql"]
        / max(1, by[n, scenario]["upserts"] + by[n, scenario]["pages"])
        for n in sizes
    ]
    rates = [by[n, scenario]["N"] / _odoo_s(by[n, scenario]) for n in sizes]
    return [
        _target(
            f"SQL queries per call of the {scenario} constant in N: "
            + ", ".join(f"{q:.0f}" for q in per_call),
            max(per_call) <= SQL_RATIO * min(per_call) + SQL_SLACK,
        ),
        _target(
            f"{scenario} at 2,000 partners/s or more (Odoo side): "
            + ", ".join(
                f"{n:,}: {rate:,.0f}/s" for n, rate in zip(sizes, rates, strict=False)
            ),
            min(rates) >= TARGET_RATE,
        ),
    ]


def _incremental_target(by, sizes, inc, full):
    shares = [_odoo_s(by[n, inc]) / _odoo_s(by[n, full]) for n in sizes]
    return _target(
        f"{inc} with 1% changed at most 2% of the {full}: "
        + ", ".join(
            f"{n:,}: {share:.1%}" for n, share in zip(sizes, shares, strict=False)
        ),
        max(shares) <= INCREMENTAL_SHARE,
    )


def _memory_target(by, sizes, scenario):
    peaks = [by[n, scenario]["peak_mb"] for n in sizes]
    return _target(
        f"peak memory of the {scenario} (MB, includes the in-process fake "
        "Mailchimp's own store): " + ", ".join(f"{p:.1f}" for p in peaks),
        peaks[-1] <= max(peaks[0], 1) * MEMORY_GROWTH,
    )


def _naive_lines(rows, by):
    naive = [r for r in rows if r["scenario"].startswith("one call per contact")]
    lines = []
    for row in naive:
        ours = by[row["N"], "full push"]
        lines.append(
            f"- one call per contact at N={row['N']:,}: {row['http']:,} calls against "
            f"{ours['http']:,} ({row['http'] / max(1, ours['http']):,.0f}x)"
        )
    return lines


def targets(rows):
    """The issue's targets, each reported as met or missed."""
    by = {(r["N"], r["scenario"].split(" (")[0]): r for r in rows}
    sizes = sorted({r["N"] for r in rows})
    lines = [_floor_target(rows)]
    for scenario in ("full push", "full pull"):
        lines += _full_run_targets(by, sizes, scenario)
    for inc, full in (
        ("incremental push", "full push"),
        ("incremental pull", "full pull"),
    ):
        lines.append(_incremental_target(by, sizes, inc, full))
    for scenario in ("full push", "full pull"):
        lines.append(_memory_target(by, sizes, scenario))
    return "\n".join(lines + _naive_lines(rows, by))
