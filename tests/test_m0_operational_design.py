"""Tests for the Operational Design chapter: the cells.py listing, and every number in the prose that comes from a formula."""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from pathlib import Path

import pytest
from listings import BOOK, chapter_text, load_listing

cells = load_listing("m0-fundamentals/code/cells.py")
TEXT = chapter_text("m0-fundamentals/operational-design.md")
# Compare against the prose as a reader sees it: LaTeX thousands separators "{,}" as ",", line breaks as spaces.
PROSE = " ".join(TEXT.replace("{,}", ",").split())
TENANTS = [f"tenant-{i:05d}" for i in range(10_000)]
ONE_BOX = [0.01, 0.09, 0.40, 0.50]
EQUAL = [0.25] * 4
GLOBAL = [1.0]


def in_text(*fragments: str) -> None:
    for fragment in fragments:
        assert fragment in PROSE, f"{fragment!r} not found in the chapter"


# -- the listing: cell assignment ------------------------------------------------------------------------------


def test_cell_for_tenant_is_sha256_prefix_modulo_count():
    for tenant in ("acme-corp", "globex", "tenant-00042", "ünïcode"):
        digest = hashlib.sha256(tenant.encode("utf-8")).digest()
        assert cells.cell_for_tenant(tenant, 9) == int.from_bytes(digest[:8], "big") % 9


def test_cell_for_tenant_stays_in_range_and_handles_one_cell():
    assert {cells.cell_for_tenant(t, 7) for t in TENANTS} == set(range(7))
    assert {cells.cell_for_tenant(t, 1) for t in TENANTS[:100]} == {0}


@pytest.mark.parametrize("count", [0, -3])
def test_cell_for_tenant_rejects_no_cells(count):
    with pytest.raises(ValueError):
        cells.cell_for_tenant("acme-corp", count)


def test_assignment_agrees_across_processes_with_different_hash_seeds():
    """The reason for SHA-256: str.__hash__ differs between processes, the cell must not."""
    listing = BOOK / "m0-fundamentals/code/cells.py"
    program = "\n".join(
        [
            "import importlib.util",
            f"spec = importlib.util.spec_from_file_location('cells', {str(listing)!r})",
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)",
            "ids = [f'tenant-{i}' for i in range(200)]",
            "print([m.cell_for_tenant(t, 9) for t in ids], hash('tenant-1'))",
        ]
    )
    outputs = []
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        cells_part, builtin_hash = result.stdout.rsplit(" ", 1)
        outputs.append((cells_part, builtin_hash.strip()))
    assert outputs[0][0] == outputs[1][0]  # same cells in both processes
    assert outputs[0][1] != outputs[1][1]  # while Python's own hash() disagrees


def test_assign_keeps_every_tenant_and_every_cell_and_balances():
    groups = cells.assign(TENANTS, 9)
    assert sorted(groups) == list(range(9))
    assert sorted(t for members in groups.values() for t in members) == sorted(TENANTS)
    mean = len(TENANTS) / 9
    assert all(abs(len(members) - mean) < 0.1 * mean for members in groups.values())
    assert cells.assign(["only-one"], 3)[cells.cell_for_tenant("only-one", 3)] == ["only-one"]
    assert sum(len(m) == 0 for m in cells.assign(["only-one"], 3).values()) == 2


def test_moved_fraction_matches_n_over_n_plus_one():
    for n in (3, 9, 20):
        assert cells.moved_fraction(TENANTS, n, n + 1) == pytest.approx(n / (n + 1), abs=0.02)
    assert cells.moved_fraction(TENANTS, 9, 9) == 0.0
    assert cells.moved_fraction([], 9, 10) == 0.0


# -- the listing: rollout exposure and impact --------------------------------------------------------------


def test_global_push_exposes_everything_and_costs_detection_plus_rollback():
    for detect in (1, 45, 500):
        assert cells.exposed_fraction(GLOBAL, 60, detect) == 1.0
        assert cells.impact_fleet_minutes(GLOBAL, 60, detect, 15) == pytest.approx(detect + 15)


def test_wave_boundaries():
    assert cells.exposed_fraction(EQUAL, 60, 0) == 0.25  # the first wave always ships
    assert cells.exposed_fraction(EQUAL, 60, 60) == 0.25  # a wave due at the minute of detection does not start
    assert cells.exposed_fraction(EQUAL, 60, 60.5) == 0.5
    assert cells.exposed_fraction(EQUAL, 60, 10_000) == 1.0
    assert cells.exposed_fraction(EQUAL, 0, 5) == 1.0  # no bake: all at once
    assert cells.impact_fleet_minutes(EQUAL, 0, 5, 10) == pytest.approx(15)


@pytest.mark.parametrize("waves", [[], [0.5, 0.4], [1.2, -0.2], [0.0, 1.0]])
def test_invalid_wave_schedules_are_rejected(waves):
    with pytest.raises(ValueError):
        cells.exposed_fraction(waves, 60, 30)
    with pytest.raises(ValueError):
        cells.impact_fleet_minutes(waves, 60, 30, 10)


# -- numbers in the prose -----------------------------------------------------------------------------------


def test_opening_outage_trigger_sum():
    in_text(f"{37 + 31}% from", "37%", "31%", "2% of outages")


def test_temporal_coupling_availability_and_downtime():
    both = 0.9999 * 0.999
    month = 30 * 24 * 60
    in_text(f"{both:.2%}", f"{(1 - both) * month:.1f} minutes", f"allow {0.0001 * month:.1f}")
    in_text(f"error budget {'eleven' if round((1 - both) / 0.0001) == 11 else '?'} times over")


def test_modulo_placement_moves():
    in_text(f"{9 / 10:.0%} of tenants", f"{cells.moved_fraction(TENANTS, 9, 10):.1%}")


def test_expected_impact_independent_of_cell_count():
    r, h = 2, 30
    for n in (1, 10):
        assert n * r * (1 / n) * h == pytest.approx(60)
    in_text(f"{r * h} fleet-minutes a year", f"more than {1 / 10:.0%} of users")


def test_cell_sizing_worked_example():
    peak, budget, tested = 60_000, 7_000, 10_000
    assert budget == 0.7 * tested
    n = math.ceil(peak / budget)
    small_budget = 0.7 * 4_000
    n_small = math.ceil(peak / small_budget)
    in_text(
        f"{peak / budget:.2f}",
        f"so {n} cells",
        f"{peak / n:,.0f} QPS",
        f"{3_000 / n:.0f} tenants",
        f"{1 / n:.1%}",
        f"{2_500 / budget:.1%}",
        f"{n * 3_000:,} a month",
        f"{peak / small_budget:.1f}",
        f"so {n_small} cells",
        f"{1 / n_small:.1%}",
        f"{n_small * 3_000:,} a month",
        f"{2_500 / small_budget:.1%}",
        f"{n * budget:,}",
        f"{(1 / n - 1 / n_small) * 100:.1f} percentage points",
        f"{(n_small - n) * 3_000:,} a month",
        f"{n} \\times {3_000 // n} \\approx",
    )
    assert n * (3_000 // n) == pytest.approx(3_000, rel=0.01)


def test_static_stability_formula_and_worked_example():
    peak, per_instance, price = 9_000, 500, 200
    minimum = peak // per_instance
    in_text(f"{3 / 2:.0%} of peak for three zones")
    in_text(f"= {minimum}$ instances", f"{minimum * price:,} a month", f"{(minimum - 6) * per_instance:,} QPS")
    assert (peak - (minimum - 6) * per_instance) / peak == pytest.approx(1 / 3)
    in_text("a third of peak traffic is over capacity")
    for zones in (3, 4, 2):
        per_zone_load = peak / (zones - 1)
        per_zone = math.ceil(per_zone_load / per_instance)
        total = zones * per_zone
        assert total / minimum == pytest.approx(zones / (zones - 1))
    in_text("4,500", "27 in all", f"{27 * price:,} a month", f"{27 / 18:.1f} times", f"{18 / 27:.1%}")
    in_text("3,000$ QPS", "24 in all", f"{24 / 18:.2f} times", f"{24 * price:,}", "36 instances")
    in_text(f"{(24 - 18) * price:,} a month over", f"{(27 - 18) * price:,} in 3")


def test_wave_schedule_worked_example():
    values = {
        (45, "G"): 60.0,
        (45, "E"): 15.0,
        (45, "S"): 0.6,
        (90, "G"): 105.0,
        (90, "E"): 37.5,
        (90, "S"): 5.1,
    }
    schedules = {"G": GLOBAL, "E": EQUAL, "S": ONE_BOX}
    for (detect, key), expected in values.items():
        assert cells.impact_fleet_minutes(schedules[key], 60, detect, 15) == pytest.approx(expected)
    assert cells.exposed_fraction(ONE_BOX, 60, 45) == pytest.approx(0.01)
    assert cells.exposed_fraction(ONE_BOX, 60, 90) == pytest.approx(0.10)
    assert cells.exposed_fraction(EQUAL, 60, 90) == pytest.approx(0.50)
    in_text("= 60$", "= 15$", "= 0.6$", "26.25 + 11.25 = 37.5", "1.05 + 4.05 = 5.1", "90 + 15 = 105")
    in_text(f"cuts impact {60 / 0.6:.0f} times", f"about {105 / 5.1:.0f} times", f"{3 * 60} minutes after the first")


def test_detection_time_examples():
    lam, f, m = 20_000, 0.01, 60
    assert m / (lam * f * 0.005) == pytest.approx(60)
    assert m / (lam * f / 3_000) == pytest.approx(900)
    assert m / (lam * f * 1e-5) / 60 == pytest.approx(500)
    assert m / (lam * 0.10 * 1e-5) / 60 == pytest.approx(50)
    in_text("= 60$ seconds", "= 900$ seconds", "(15 minutes", "needs 500 minutes", "in 50 minutes")


def test_incident_durations():
    assert (14 * 60 + 9) - (13 * 60 + 42) == 27
    assert (5 * 60 + 27) - (4 * 60 + 9) == 78
    in_text("for 27 minutes (13:42 to 14:09)", "78 minutes later")


def test_staff_lens_growth_numbers():
    cells_needed = 600_000 / 7_000
    n = math.ceil(cells_needed)
    waves, covered, size = 0, 0, 1
    while covered < n:
        covered += size
        size *= 2
        waves += 1
    assert waves + 1 == 8  # doubling waves of cells, plus the one-box stage
    in_text(f"{cells_needed:.1f}", f"so {n} cells", f"take {n} bakes", "about eight", f"{n * 3_000:,} a month")
    in_text("three hours to reach")  # one-box, one cell, two cells: three one-hour bakes before the rest


def test_exercise_1_numbers():
    waves = [0.0025, 0.0475, 0.2, 0.75]
    assert cells.exposed_fraction(waves, 30, 70) == pytest.approx(0.25)
    impact = cells.impact_fleet_minutes(waves, 30, 70, 10)
    assert impact == pytest.approx(6.575)
    in_text(f"= {impact:.3f}$", "25% or 100 hosts", f"D + R = {70 + 10}$", f"{80 / impact:.1f} times more")
    assert math.ceil(70 / 35) == 2 and math.ceil(70 / 34) == 3
    short = cells.impact_fleet_minutes(waves, 35, 70, 10)
    assert cells.exposed_fraction(waves, 35, 70) == pytest.approx(0.05)
    in_text("T \\ge 35", f"= {short:.4f}$", f"{3 * 35}$ minutes instead of {3 * 30}")


def test_exercise_3_and_4_numbers():
    in_text(f"{11 * 3}$ minutes", f"{1 / 12:.1%}")
    moved = 0.9 * 3_000
    data_gb = moved * 40
    in_text(f"{moved:,.0f}", f"{data_gb:,.0f}", f"{data_gb / 1_000:.0f} TB", f"{data_gb / 3600:.0f} hours")
    table_gb = 3_000 / 10 * 40
    in_text(
        f"{3_000 // 10}$ tenants",
        f"{table_gb / 1_000:.0f} TB",
        f"{table_gb:,.0f} seconds",
        f"{table_gb / 3600:.1f} hours",
    )


def test_exercise_5_numbers():
    peak, per_instance = 10_000, 1_000
    remaining = 8 * per_instance
    in_text(
        f"{peak - remaining:,} QPS, {(peak - remaining) / peak:.0%} of peak", f"{peak / remaining:.0%} offered load"
    )
    per_zone = math.ceil(peak / 2 / per_instance)
    in_text(f"{peak // 2:,}", f"{per_zone} instances per zone, {3 * per_zone} in all", f"{3 * per_zone / 10:.1f}")
    in_text(f"{3 * per_zone - 12} more than today")
    in_text(f"{peak / 3:,.0f}$ QPS per zone", f"{4 * math.ceil(peak / 3 / per_instance)} in all")


def test_exercise_6_numbers():
    budget, total, share = 8_000, 120_000, 0.15
    big = share * total
    rest = total - big
    shared = math.ceil(rest / budget)
    in_text(f"{budget / 0.7:,.0f} QPS", f"{big:,.0f}", f"{big / budget:.2f}", f"so {math.ceil(big / budget)}")
    in_text(f"{rest:,.0f}", f"{rest / budget:.2f}", f"so {shared} shared", f"{100 / shared:.1f}\\%")
    remaining = shared - 1 - 2 - 4
    in_text(f"remaining {remaining} shared", f"after 4 bakes, {4 * 45 // 60} hours")
    in_text(f"{shared + math.ceil(big / budget)} cells")


def test_chapter_files_exist():
    assert (BOOK / "m0-fundamentals/code/cells.py").is_file()
    scripts = Path(__file__).resolve().parent.parent / "diagrams"
    for name in ("m0_opdesign_cells.py", "m0_opdesign_rollout_exposure.py"):
        assert (scripts / name).is_file()
        assert name.removesuffix(".py") in TEXT
