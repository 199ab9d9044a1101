"""The benchmark's report: the results table and the issue's targets."""

FLOOR_FACTOR = 3  # the full push's Odoo CPU per contact against the floor's
FLOOR = "floor"  # the floor row's scenario, up to its colon
LIMIT_FACTOR = 1.5  # the full push within 1.5x the model's limit
LIMIT_FROM_N = 10000  # ... at this size and above
NOTHING_CHANGED_S = 2  # wall seconds of a run after a run that changed nothing
NOTHING_CHANGED_CALLS = 5  # "a handful of calls"
INCREMENTAL_SQL_SLACK = 1.5  # SQL per page of the incremental pull, largest N
# against smallest N
MEMORY_GROWTH = 4  # peak memory, largest N against smallest N (at least 1 MB)
MEMORY_FLOOR_MB = 8
MIN_SECONDS = 1e-9  # guards the divisions by a time

HEADER = [
    "| N | scenario | wall s | model limit s | sequential s | Odoo CPU s"
    " | contacts/s of Odoo CPU | HTTP calls | 429 | floor | SQL queries"
    " | SQL per call | peak MB (Odoo) |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
]


def _floor_text(r):
    if not r["floor"]:
        return ""
    value, kind = r["floor"]
    met = r[kind] <= value
    return f"{value} {kind}: {'met' if met else 'MISSED'}"


def _rate(r):
    rate_n = r.get("rate_n", r["N"])
    if "full" in r["scenario"] or "rate_n" in r:
        return rate_n / max(r["cpu_s"], MIN_SECONDS)
    return None


def _table_line(r):
    rate = _rate(r)
    batches = max(1, r["upserts"] + r["pages"])
    return (
        f"| {r['N']:,} | {r['scenario']} | {r['wall_s']:.1f} | "
        f"{r.get('limit_s', 0):.1f} | {r.get('sequential_s', 0):.1f} | "
        f"{r['cpu_s']:.1f} | {rate and f'{rate:,.0f}' or ''} | {r['http']:,} | "
        f"{r.get('refused_429', 0)} | {_floor_text(r)} | "
        f"{r['sql']:,} | {r['sql'] / batches:.0f} | {r['peak_mb']:.1f} |"
    )


def markdown(rows):
    return "\n".join(HEADER + [_table_line(r) for r in rows])


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


def _push_targets(by, sizes):
    big = [n for n in sizes if n >= LIMIT_FROM_N] or sizes[-1:]
    lines = [
        _target(
            f"full push within {LIMIT_FACTOR}x the model's limit: "
            + ", ".join(
                f"{n:,}: {by[n, 'full push']['wall_s']:.1f} s against "
                f"{by[n, 'full push']['limit_s']:.1f} s"
                for n in big
            ),
            all(
                by[n, "full push"]["wall_s"]
                <= LIMIT_FACTOR * by[n, "full push"]["limit_s"]
                for n in big
            ),
        )
    ]
    return lines + [_floor_ratio_target(by, sizes)]


def _per_contact_ms(row):
    return 1000 * row["cpu_s"] / max(1, row.get("rate_n", row["N"]))


def _floor_ratio_target(by, sizes):
    """The full push's Odoo CPU per contact at most FLOOR_FACTOR x the floor."""
    ratios = {
        n: _per_contact_ms(by[n, "full push"])
        / max(_per_contact_ms(by[n, FLOOR]), MIN_SECONDS)
        for n in sizes
        if (n, FLOOR) in by
    }
    return _target(
        f"full push's Odoo CPU per contact at most {FLOOR_FACTOR}x the floor "
        "(the same bodies by SQL, no ORM): "
        + ", ".join(
            f"{n:,}: {_per_contact_ms(by[n, 'full push']):.2f} ms against "
            f"{_per_contact_ms(by[n, FLOOR]):.2f} ms, ratio {r:.1f}"
            for n, r in ratios.items()
        ),
        bool(ratios) and max(ratios.values()) <= FLOOR_FACTOR,
    )


def _nothing_changed_target(by, sizes):
    rows = [(n, by[n, "nothing changed"]) for n in sizes]
    return _target(
        f"a run after a run that changed nothing within {NOTHING_CHANGED_S} s "
        f"and {NOTHING_CHANGED_CALLS} calls: "
        + ", ".join(f"{n:,}: {r['wall_s']:.1f} s, {r['http']} calls" for n, r in rows),
        all(
            r["wall_s"] <= NOTHING_CHANGED_S and r["http"] <= NOTHING_CHANGED_CALLS
            for _n, r in rows
        ),
    )


def _incremental_pull_target(by, sizes):
    per_page = [
        by[n, "incremental pull"]["sql"] / max(1, by[n, "incremental pull"]["pages"])
        for n in sizes
    ]
    return _target(
        "SQL queries per page of the incremental pull (1% changed) constant in N: "
        + ", ".join(f"{q:.0f}" for q in per_page),
        max(per_page) <= INCREMENTAL_SQL_SLACK * min(per_page),
    )


def _memory_target(by, sizes, scenario):
    peaks = [by[n, scenario]["peak_mb"] for n in sizes]
    return _target(
        f"peak memory of the Odoo process in the {scenario} (MB): "
        + ", ".join(f"{p:.1f}" for p in peaks),
        peaks[-1] <= max(peaks[0], MEMORY_FLOOR_MB) * MEMORY_GROWTH,
    )


def _naive_lines(rows, by):
    lines = []
    for row in rows:
        if row["scenario"].startswith("one call per contact"):
            ours = by[row["N"], "full push"]
            lines.append(
                f"- one call per contact at N={row['N']:,}: {row['http']:,} calls, "
                f"{row['wall_s'] / 60:,.1f} min against {ours['wall_s'] / 60:,.1f} "
                f"min and {ours['http']:,} calls"
            )
    return lines


def targets(rows):
    """The issue's targets, each reported as met or missed."""
    by = {(r["N"], r["scenario"].split(" (")[0].split(":")[0]): r for r in rows}
    sizes = sorted({r["N"] for r in rows})
    lines = [_floor_target(rows), *_push_targets(by, sizes)]
    lines.append(_nothing_changed_target(by, sizes))
    lines.append(_incremental_pull_target(by, sizes))
    for scenario in ("full push", "full pull"):
        lines.append(_memory_target(by, sizes, scenario))
    return "\n".join(lines + _naive_lines(rows, by))
