"""The benchmark's report: the results table and the issue's targets."""

TARGET_CPU_RATE = 4000  # contacts per second of Odoo's CPU, full push
LIMIT_FACTOR = 2  # the full push within twice the model's limit
NOTHING_CHANGED_S = 15  # wall seconds of a run after a run that changed nothing
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
    big = by[sizes[-1], "full push"]
    rates = [_rate(by[n, "full push"]) for n in sizes]
    return [
        _target(
            f"full push of {sizes[-1]:,} contacts within {LIMIT_FACTOR}x the "
            f"model's limit: {big['wall_s']:.0f} s against a limit of "
            f"{big['limit_s']:.0f} s ({big['sequential_s']:.0f} s sequential)",
            big["wall_s"] <= LIMIT_FACTOR * big["limit_s"],
        ),
        _target(
            f"full push at {TARGET_CPU_RATE:,} contacts a second of Odoo's CPU or "
            "more: "
            + ", ".join(
                f"{n:,}: {r:,.0f}/s" for n, r in zip(sizes, rates, strict=True)
            ),
            min(rates) >= TARGET_CPU_RATE,
        ),
    ]


def _nothing_changed_target(by, sizes):
    walls = [by[n, "nothing changed"]["wall_s"] for n in sizes]
    return _target(
        f"a run after a run that changed nothing within {NOTHING_CHANGED_S} s: "
        + ", ".join(f"{n:,}: {w:.1f} s" for n, w in zip(sizes, walls, strict=True)),
        max(walls) <= NOTHING_CHANGED_S,
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
    by = {(r["N"], r["scenario"].split(" (")[0]): r for r in rows}
    sizes = sorted({r["N"] for r in rows})
    lines = [_floor_target(rows), *_push_targets(by, sizes)]
    lines.append(_nothing_changed_target(by, sizes))
    lines.append(_incremental_pull_target(by, sizes))
    for scenario in ("full push", "full pull"):
        lines.append(_memory_target(by, sizes, scenario))
    return "\n".join(lines + _naive_lines(rows, by))
