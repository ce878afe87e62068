"""Tests for the Operational Design chapter: the cells.py listing, and every number in the prose that comes from a formula.

Each number in the prose is computed here, from the listing or from the formula the chapter states, and looked for in
the sentence that states it (a fragment long enough to carry its context), so a wrong number fails a test.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import itertools
import math
import random
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from listings import BOOK, chapter_text, load_listing, pinned

cells = load_listing("m0-fundamentals/code/cells.py")
TEXT = chapter_text("m0-fundamentals/operational-design.md")
# Compare against the prose as a reader sees it: LaTeX thousands separators "{,}" as ",", line breaks as spaces.
PROSE = " ".join(TEXT.replace("{,}", ",").split())
DECK = (Path(__file__).resolve().parent.parent / "slides" / "m0-fundamentals.md").read_text(encoding="utf-8")
SLIDES = " ".join(DECK[DECK.index("## 5. Operational Design") : DECK.index("## 6. ")].split())
TENANTS = [f"tenant-{i:05d}" for i in range(10_000)]
ONE_BOX = [0.01, 0.09, 0.40, 0.50]
EQUAL = [0.25] * 4
GLOBAL = [1.0]
GRADUAL = [0.01, 0.09, 0.15, 0.25, 0.25, 0.25]  # the worked example's cure: the one-box, then the equal waves' steps
SCHEDULES = {"global": GLOBAL, "equal": EQUAL, "one-box": ONE_BOX}
# The worked example's fleet and alarm: 20,000 QPS, an alarm at 60 bad requests that never fires before 5 minutes,
# a 60-minute bake and a 15-minute rollback.
QPS = 20_000
PER_MINUTE, ALARM, FLOOR, BAKE, ROLLBACK = QPS * 60, 60, 5.0, 60.0, 15.0
CELL_TESTED = 10_000  # the cell sizing example: QPS a cell was load-tested to, one zone drained
LOUD, QUIET = 0.005, 1e-5  # the worked example's two defects: the share of requests each breaks
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def in_text(*fragments: str, text: str = PROSE) -> None:
    """Assert that each fragment occurs exactly once in the prose (or in `text`)."""
    for fragment in fragments:
        pinned(text, fragment)


def g(x: float) -> str:
    """A number as the prose prints it: no trailing zeros, thousands separated."""
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"


def tex_pct(x: float, digits: int = 1) -> str:
    return f"{x * 100:.{digits}f}\\%"


def rollout(waves, p, bake=BAKE, per_minute=PER_MINUTE, alarm=ALARM, floor=FLOOR, rollback=ROLLBACK):
    """Detection minute, exposed fraction and impact in fleet-minutes of a defect breaking a fraction p, by the listing."""
    detect = cells.detection_minutes(waves, bake, per_minute * p, alarm, floor)
    return (
        detect,
        cells.exposed_fraction(waves, bake, detect),
        cells.impact_fleet_minutes(waves, bake, detect, rollback),
    )


def exposure_run_before(waves, bake, wave):
    """Fleet-minutes run with the change before `wave` (from 0) starts: the integral of the exposure."""
    return sum(sum(waves[: i + 1]) * bake for i in range(wave))


# -- the listing: cell assignment ------------------------------------------------------------------------------


def test_cell_for_tenant_is_sha256_prefix_modulo_count():
    for tenant in ("acme-corp", "globex", "tenant-00042", "ünïcode"):
        digest = hashlib.sha256(tenant.encode("utf-8")).digest()
        assert cells.cell_for_tenant(tenant, 9) == int.from_bytes(digest[:8], "big") % 9


def test_cell_for_tenant_stays_in_range_and_handles_one_cell():
    assert {cells.cell_for_tenant(t, 7) for t in TENANTS} == set(range(7))
    assert {cells.cell_for_tenant(t, 1) for t in TENANTS[:100]} == {0}


@pytest.mark.parametrize("count", [0, -3, 9.0, True, "9"])
def test_cell_for_tenant_rejects_anything_but_a_positive_whole_count(count):
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


@pytest.mark.parametrize("waves", [[], [0.5, 0.4], [1.2, -0.2], [0.0, 1.0], [math.nan, 1.0]])
def test_invalid_wave_schedules_are_rejected(waves):
    with pytest.raises(ValueError):
        cells.exposed_fraction(waves, 60, 30)
    with pytest.raises(ValueError):
        cells.impact_fleet_minutes(waves, 60, 30, 10)
    with pytest.raises(ValueError):
        cells.detection_minutes(waves, 60, 1.0, 60)


def test_an_undetected_defect_composes():
    """detection_minutes documents math.inf for a defect that breaks nothing; the other two functions must accept it."""
    never = cells.detection_minutes([0.5, 0.5], 60, 0.0, 60)
    assert never == math.inf
    assert cells.exposed_fraction([0.5, 0.5], 60, never) == 1.0  # every wave ships
    assert cells.impact_fleet_minutes([0.5, 0.5], 60, never, 10) == math.inf


@pytest.mark.parametrize(
    ("function", "args"),
    [
        (cells.detection_minutes, (EQUAL, 60, math.nan, 60)),
        (cells.detection_minutes, (EQUAL, 60, 1.0, math.nan)),
        (cells.detection_minutes, (EQUAL, 60, 1.0, 60, math.nan)),
        (cells.detection_minutes, (EQUAL, math.nan, 1.0, 60)),
        (cells.detection_minutes, (EQUAL, -60, 1.0, 60)),
        (cells.detection_minutes, (EQUAL, 60, -1.0, 60)),
        (cells.detection_minutes, (EQUAL, 60, 1.0, -60)),
        (cells.detection_minutes, (EQUAL, 60, 1.0, 60, -5)),
        (cells.exposed_fraction, (EQUAL, 60, math.nan)),
        (cells.exposed_fraction, (EQUAL, 60, -1)),
        (cells.exposed_fraction, (EQUAL, -60, 30)),
        (cells.impact_fleet_minutes, (EQUAL, 60, math.nan, 10)),
        (cells.impact_fleet_minutes, (EQUAL, 60, 30, math.nan)),
        (cells.impact_fleet_minutes, (EQUAL, 60, 30, -100)),
        (cells.impact_fleet_minutes, (EQUAL, 60, -5, 10)),
    ],
)
def test_bad_numbers_are_rejected(function, args):
    with pytest.raises(ValueError):
        function(*args)


# -- the listing: detection time depends on the schedule ---------------------------------------------------


def test_a_count_completed_as_the_next_wave_is_due_does_not_start_it():
    """The reviewer's case: m is reached exactly at the end of the first bake, so the second wave must not start.

    In floating point, start + (m - counted) / rate came out a hair past the bake (0.7000000000000001), and the
    exposure and impact then counted a wave that never received the change."""
    waves, bake, bad = [0.3, 0.7], 0.7, 13.0
    detect = cells.detection_minutes(waves, bake, bad, bad * 0.3 * bake)
    assert detect <= bake
    assert cells.exposed_fraction(waves, bake, detect) == 0.3
    assert cells.impact_fleet_minutes(waves, bake, detect, 10) == pytest.approx(0.3 * (bake + 10))


@settings(max_examples=300, deadline=None, database=None)
@given(f1=st.floats(0.01, 0.99), bake=st.floats(0.1, 200), bad=st.floats(0.01, 1000))
def test_property_a_count_that_completes_at_a_wave_start_keeps_that_wave_out(f1, bake, bad):
    waves = [f1, 1 - f1]
    detect = cells.detection_minutes(waves, bake, bad, bad * f1 * bake)
    assert cells.exposed_fraction(waves, bake, detect) == f1


def exact_rollout(waves, bake, bad, alarm, floor, rollback):
    """The model in exact rational arithmetic, written from the chapter's description, not from the listing."""
    waves = [Fraction(w) for w in waves]
    bake, bad, alarm, floor, rollback = (Fraction(x) for x in (bake, bad, alarm, floor, rollback))
    starts = [i * bake for i in range(len(waves))]
    counted, stage_ends = Fraction(0), []
    for i in range(len(waves)):
        exposed = sum(waves[: i + 1])
        end = starts[i + 1] if i + 1 < len(waves) else None
        if end is None or counted + bad * exposed * (end - starts[i]) >= alarm:
            count_time = starts[i] + (alarm - counted) / (bad * exposed)
            break
        counted += bad * exposed * (end - starts[i])
        stage_ends.append(counted)
    detect = max(floor, count_time)
    started = [w for w, s in zip(waves, starts, strict=True) if s == 0 or s < detect]
    exposure = sum(started)
    impact = sum(w * (detect - s + rollback) for w, s in zip(started, starts, strict=False))
    return detect, exposure, impact, count_time, stage_ends


schedules = st.lists(st.integers(1, 50), min_size=1, max_size=6).map(lambda parts: [p / sum(parts) for p in parts])


@settings(max_examples=400, deadline=None, database=None)
@given(
    waves=schedules,
    bake=st.integers(1, 120),
    bad=st.floats(0.01, 1000),
    alarm=st.integers(1, 500),
    floor=st.sampled_from([0.0, 5.0]),
    rollback=st.integers(0, 30),
)
def test_property_the_listing_matches_the_exact_model(waves, bake, bad, alarm, floor, rollback):
    """Against exact arithmetic: the same detection minute, the same waves out, m bad requests, and I = m/B + R E."""
    assume(math.isclose(sum(waves), 1.0, abs_tol=1e-12))
    detect_x, exposure_x, impact_x, count_time, stage_ends = exact_rollout(waves, bake, bad, alarm, floor, rollback)
    # Away from a stage boundary (where rounding may legitimately fall either way), the answers must agree.
    assume(all(abs(float(c) - alarm) > 1e-9 * alarm for c in stage_ends))
    assume(all(abs(float(detect_x) - i * bake) > 1e-9 * (1 + i * bake) for i in range(1, len(waves))))
    detect = cells.detection_minutes(waves, bake, bad, alarm, floor)
    exposure = cells.exposed_fraction(waves, bake, detect)
    impact = cells.impact_fleet_minutes(waves, bake, detect, rollback)
    assert detect == pytest.approx(float(detect_x), rel=1e-9)
    assert exposure == pytest.approx(float(exposure_x), abs=1e-12)
    assert impact == pytest.approx(float(impact_x), rel=1e-9)
    if count_time >= floor:  # the count, not the floor, decided D
        before = sum(w * max(0.0, detect - i * bake) for i, w in enumerate(waves)) * bad
        assert before == pytest.approx(alarm, rel=1e-9)  # exactly m bad requests before the alarm
        assert impact == pytest.approx(alarm / bad + rollback * exposure, rel=1e-9)  # I = m/B + R E


def bad_requests_before(waves, bake, per_minute, until):
    """Integrate the bad-request rate over time, step by step, independently of the listing."""
    total, step, t = 0.0, 0.001, 0.0
    while t < until:
        exposed = sum(f for i, f in enumerate(waves) if i * bake <= t)
        total += per_minute * exposed * min(step, until - t)
        t += step
    return total


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("p", [1e-3, 1e-4, 1e-5, 1e-6])
def test_count_bound_detection_lets_exactly_m_bad_requests_through(name, p):
    """Where the count, not the floor, sets D, every schedule has let through exactly the alarm's m bad requests."""
    waves, per_minute = SCHEDULES[name], PER_MINUTE * p
    detect = cells.detection_minutes(waves, BAKE, per_minute, ALARM)  # no floor: the count alone
    assert bad_requests_before(waves, BAKE, per_minute, detect) == pytest.approx(ALARM, rel=2e-3)


def test_detection_has_a_floor_and_is_later_for_smaller_first_waves():
    loud = PER_MINUTE * 0.005
    for waves in SCHEDULES.values():
        assert cells.detection_minutes(waves, BAKE, loud, ALARM, FLOOR) == FLOOR
    assert cells.detection_minutes(GLOBAL, BAKE, loud, ALARM) == pytest.approx(0.01)  # 0.6 s without a floor
    quiet = PER_MINUTE * 1e-5
    times = [cells.detection_minutes(w, BAKE, quiet, ALARM, FLOOR) for w in (GLOBAL, EQUAL, ONE_BOX)]
    assert times == sorted(times) and times[0] < times[-1]


def test_detection_edge_cases():
    assert cells.detection_minutes(EQUAL, 0, 12.0, 60) == pytest.approx(5.0)  # no bake: the whole fleet at once
    # The count reaches m exactly as the second wave is due: that wave does not start (the listing's convention).
    detect = cells.detection_minutes([0.5, 0.5], 60, 2.0, 60)
    assert detect == pytest.approx(60) and cells.exposed_fraction([0.5, 0.5], 60, detect) == 0.5
    # Beyond the last wave the count keeps growing at full exposure.
    counted_by_180 = 60 * (0.25 + 0.5 + 0.75)
    assert cells.detection_minutes(EQUAL, 60, 1.0, 200) == pytest.approx(180 + (200 - counted_by_180) / 1.0)
    # Waves keep starting during the floor: with 2-minute bakes a 5-minute floor has three waves out.
    assert cells.detection_minutes(EQUAL, 2, 1_000, 60, 5) == 5 and cells.exposed_fraction(EQUAL, 2, 5) == 0.75


def test_the_plot_uses_the_listing_model():
    path = Path(__file__).resolve().parent.parent / "diagrams" / "m0_opdesign_rollout_exposure.py"
    spec = importlib.util.spec_from_file_location("rollout_plot", path)
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)  # the plotting itself runs only as __main__
    assert (plot.QPS * 60, plot.ALARM, plot.FLOOR, plot.BAKE, plot.ROLLBACK) == (
        PER_MINUTE,
        ALARM,
        FLOOR,
        BAKE,
        ROLLBACK,
    )
    assert [w for w, _, _ in plot.SCHEDULES.values()] == [GLOBAL, EQUAL, ONE_BOX, GRADUAL]
    for waves, _, _ in plot.SCHEDULES.values():
        for p in (1e-7, 3e-7, 1e-6, 1.4e-6, 5e-6, 7e-6, 1e-5, 3e-5, 8e-5, 1e-4, 1e-3, 1e-2):
            detect, _, impact = rollout(waves, p)
            assert plot.detect(waves, p) == pytest.approx(detect)
            assert plot.impact(waves, p) == pytest.approx(impact)
    # The plot's boundary case agrees with the listing's too.
    assert plot.impact([0.3, 0.7], ALARM / (PER_MINUTE * 0.3 * BAKE)) == pytest.approx(0.3 * (BAKE + ROLLBACK))
    # The shaded bands are the ones the text states.
    rates = [10 ** (-7 + 5 * i / 4000) for i in range(4001)]
    bands = plot.worse_bands(rates)
    assert len(bands) == 2
    for (low, high), (low_x, high_x) in zip(sorted(bands), sorted(one_box_worse_bands()), strict=True):
        assert low == pytest.approx(low_x, rel=0.01) and high == pytest.approx(high_x, rel=0.01)


# -- numbers in the prose: opening, coupling, cells ------------------------------------------------------


def test_opening_outage_trigger_sum():
    binary, config = (
        int(x) for x in re.search(r"binary pushes triggered (\d+)% and configuration pushes (\d+)%", PROSE).groups()
    )
    in_text(
        f"That is {binary + config}% from the two kinds of change",
        f"Changes trigger most outages (the {binary + config}% above)",
    )
    hardware = int(re.search(r"hardware triggered (\d+)% of outages", PROSE).group(1))
    assert hardware < binary + config
    # The misconception box quotes the same two figures.
    in_text(f"Configuration pushes triggered {config}% of Google's outages, close behind binary pushes at {binary}%")


def test_temporal_coupling_availability_and_downtime():
    service, dependency = 0.9999, 0.999
    in_text(f"a service at $A = {service}$ that calls a dependency at $A = {dependency}$ on every request")
    both = service * dependency
    month = 30 * 24 * 60
    in_text(
        f"${service} \\times {dependency} \\approx {both:.4f}$, or {both:.2%}: {(1 - both) * month:.1f} minutes of failure in "
        f"30 days where the service alone would allow {(1 - service) * month:.1f}"
    )


def test_modulo_placement_moves():
    n = 9
    in_text(
        f"From {n} cells to {n + 1} that is {n / (n + 1):.0%} of tenants",
        f"measures {cells.moved_fraction(TENANTS, n, n + 1):.1%} over 10,000",
    )


def test_expected_impact_of_per_cell_faults_does_not_depend_on_the_cell_count():
    """Simulate N cells, each failing at random r times a year for h minutes and hitting 1/N of users."""
    r, h = 2, 30
    rng = random.Random(7)
    for n in (1, 10):
        years, total = 4_000, 0.0
        for _ in range(years):
            for _cell in range(n):
                incidents = sum(1 for _ in range(50) if rng.random() < r / 50)  # binomial, mean r
                total += incidents * h / n
        assert total / years == pytest.approx(r * h, rel=0.01)  # seed 7: within 0.5%
    in_text("$$ N \\cdot r \\cdot \\frac{1}{N} \\cdot h = r \\, h \\quad \\text{fleet-minutes per year,} $$")
    in_text(
        f"At $r = {r}$ and $h = {h}$ that is {r * h} fleet-minutes a year with 1 cell or 10; with 10 cells no incident touches more than {1 / 10:.0%} of users"
    )
    c, n = 4, 10
    in_text(
        f"expected impact falls from $c\\,h$ to $c\\,h/N$: at $c = {c}$ and $h = {h}$, from {c * h} fleet-minutes a year to {c * h // n} with {n} cells"
    )


def test_cell_sizing_worked_example():
    peak, tested, share, tenants, largest, fixed = 60_000, CELL_TESTED, 0.7, 3_000, 2_500, 3_000
    in_text(
        f"One region: {tenants:,} tenants, {peak:,} QPS at peak",
        f"The largest tenant peaks at {largest:,} QPS. Each cell has about ${fixed:,} a month of fixed cost",
        f"*Context:* {tenants:,} tenants at {peak:,} QPS in one regional stack",
        f"The worked example below uses full mapping: {tenants:,} rows fit in any router's memory",
    )
    budget = share * tested
    # The tested capacity is with one of three zones drained, so a zone loss at peak leaves the cell at the budget share.
    zones = 3
    assert (
        budget / tested <= 1 < budget / (tested * (zones - 1) / zones)
    )  # tested with all three zones it would not hold
    kept = {Fraction(2, 3): "two-thirds", Fraction(1, 2): "half"}[Fraction(zones - 1, zones)]
    in_text(
        f"load-tested to {tested:,} QPS with one of them drained, so that it stays statically stable",
        f"with all three, it would keep only {kept} of that capacity after a zone loss",
        f"no more than {share:.0%} of the tested {tested:,}, a {budget:,.0f} QPS budget, so a zone lost at peak leaves it at {share:.0%}",
    )
    n = math.ceil(peak / budget)
    in_text(
        f"${peak:,} / {budget:,.0f} = {peak / budget:.2f}$, so {n} cells, each averaging about {peak / n:,.0f} QPS and "
        f"{tenants / n:.0f} tenants; one cell down is $1/{n} =$ {1 / n:.1%} of tenants"
    )
    in_text(
        f"${largest:,} / {budget:,.0f} =$ {largest / budget:.1%} of a cell",
        f"${n} \\times {fixed:,} =$ ${n * fixed:,} a month",
    )
    small_tested = 4_000
    small = share * small_tested
    n_small = math.ceil(peak / small)
    in_text(
        f"tested the same way to {small_tested:,} QPS with a {small:,.0f} QPS budget: ${peak:,} / {small:,.0f} = {peak / small:.1f}$, "
        f"so {n_small} cells, a blast radius of $1/{n_small} =$ {1 / n_small:.1%}, and ${n_small * fixed:,} a month",
        f"${largest:,} / {small:,.0f} =$ {largest / small:.1%} of a cell on its own",
    )
    per_cell = round(tenants / n)
    assert n * per_cell == pytest.approx(tenants, rel=0.01)
    in_text(
        f"${n} \\times {budget:,.0f} = {n * budget:,.0f} \\ge {peak:,}$ QPS, and ${n} \\times {per_cell} \\approx {tenants:,}$ tenants"
    )
    in_text(
        f"**Decision.** {WORDS[n].capitalize()} cells. The smaller design",
        f"*Decision:* {WORDS[n]} cells behind a thin router",
    )
    in_text(
        f"buys {(1 / n - 1 / n_small) * 100:.1f} percentage points of worst-case blast radius for ${(n_small - n) * fixed:,} a month"
    )


def test_static_stability_formula_and_worked_example():
    peak, per_instance, price = 9_000, 500, 200
    in_text(f"**Inputs.** Peak {peak:,} QPS; one instance serves {per_instance} QPS at target utilization and costs ${price} a month")
    minimum = peak // per_instance
    in_text(f"{3 / 2:.0%} of peak for three zones, the {3 / 2 - 1:.0%} overprovisioning")
    in_text(
        f"Minimum: ${peak:,} / {per_instance} = {minimum}$ instances, {minimum // 3} per zone in 3 zones, ${minimum * price:,} a month"
    )
    left = minimum - minimum // 3
    assert (peak - left * per_instance) / peak == pytest.approx(1 / 3)
    in_text(
        f"Lose a zone and {left} remain, {left * per_instance:,} QPS for {peak:,} QPS of demand: a third of peak traffic is over capacity"
    )
    plan = {}
    for zones in (3, 4, 2):
        per_zone = math.ceil(peak / (zones - 1) / per_instance)
        plan[zones] = zones * per_zone
        assert plan[zones] / minimum == pytest.approx(zones / (zones - 1))
    in_text(
        f"each zone carries ${peak:,} / 2 = {peak // 2:,}$ QPS alone, {plan[3] // 3} instances, {plan[3]} in all, ${plan[3] * price:,} a month: "
        f"${plan[3]} / {minimum} =$ {plan[3] / minimum:.1f} times the minimum, and at peak each instance runs at ${minimum} / {plan[3]} =$ "
        f"{minimum / plan[3]:.1%} of target"
    )
    in_text(
        f"carries ${peak:,} / 3 = {peak // 3:,}$ QPS: {plan[4] // 4} per zone, {plan[4]} in all, ${plan[4]} / {minimum} =$ "
        f"{plan[4] / minimum:.2f} times, ${plan[4] * price:,}",
        f"In 2 zones each carries all {peak:,}: {plan[2]} instances, {plan[2] // minimum} times",
    )
    factors = [f"${zones}/{zones - 1}$" for zones in (3, 4, 2)]
    in_text(f"gives {', '.join(factors[:-1])} and {factors[-1]}")
    in_text(f"Statically stable in 3 zones: each zone carries ${peak:,} / 2", f"In 4 zones each carries ${peak:,} / 3")
    in_text(
        f"costs ${(plan[4] - minimum) * price:,} a month over the {minimum}-instance minimum in 4 zones and ${(plan[3] - minimum) * price:,} in 3"
    )


# -- numbers in the prose: detection, and the wave-schedule worked example -------------------------------


def test_detection_time_examples():
    lam, f, m = QPS, 0.01, ALARM
    in_text(f"With $\\lambda = {lam:,}$ QPS, a 1% one-box and $m = {m}$")
    loud = LOUD
    in_text(f"a defect breaking {loud:.1%} of requests reaches the count in")
    in_text(f"${m} / ({lam:,} \\times {f} \\times {loud}) = {m / (lam * f * loud):.0f}$ seconds, so the floor decides")
    tenants = 3_000
    seconds = m / (lam * f / tenants)
    in_text(
        f"one breaking every request of one tenant in {tenants:,} takes",
        f"${m} / ({lam:,} \\times {f} / {tenants:,}) = {seconds:.0f}$ seconds ({seconds / 60:.0f} minutes, inside a one-hour bake)",
    )
    rare = QUIET
    in_text(f"One breaking a request in {1 / rare:,.0f} would need")
    per_hour = lam * 60 * f * rare * 60
    in_text(
        f"would need {m / (lam * f * rare) / 60:.0f} minutes on the one-box alone: its one-hour bake yields {per_hour:.1f} bad requests, "
        f"{per_hour / 60:.2f} a minute, which an alarm needing {m} in five minutes would never notice"
    )
    assert (
        cells.detection_minutes(ONE_BOX, BAKE, PER_MINUTE * rare, ALARM) > BAKE
    )  # the count carries into a later wave
    assert per_hour / 60 * 5 < m  # a five-minute window never holds m of them
    in_text("takes $m \\ge 3\\sqrt{bm/p}$, that is $m \\ge 9b/p$")


def test_wave_schedule_inputs():
    hosts = 200
    in_text(
        f"{hosts} hosts share $\\lambda = {QPS:,}$ QPS evenly, {PER_MINUTE:,} requests a minute. Bake $T = {BAKE:.0f}$ min, rollback $R = {ROLLBACK:.0f}$ min; the alarm fires at $m = {ALARM}$ bad requests and never before $D_0 = {FLOOR:.0f}$ min"
    )
    in_text(
        f"Three schedules: a global push; {WORDS[len(EQUAL)]} equal waves of {EQUAL[0]:.0%}; a one-box of "
        f"{hosts * ONE_BOX[0]:.0f} hosts ({ONE_BOX[0]:.0%}), then " + ", ".join(f"{w:.0%}" for w in ONE_BOX[1:-1])
        + f" and {ONE_BOX[-1]:.0%}. Two defects: a loud one that breaks $p = {tex_pct(LOUD)}$ of requests, and a quiet one "
        f"that breaks 1 in {1 / QUIET:,.0f}."
    )


def test_wave_schedule_worked_example_loud_defect():
    p = LOUD
    bad = PER_MINUTE * p
    in_text(f"${PER_MINUTE:,} \\times {p} = {bad:,.0f}$ bad requests a minute")
    seconds = [cells.detection_minutes(SCHEDULES[n], BAKE, bad, ALARM) * 60 for n in ("global", "equal", "one-box")]
    in_text(
        f"takes {seconds[0]:.1f} seconds under the global push, {seconds[1]:.1f} seconds on a 25% wave and a minute on the one-box"
    )
    assert seconds[2] == pytest.approx(60)
    results = {name: rollout(SCHEDULES[name], p) for name in SCHEDULES}
    for name, (detect, exposed, _impact) in results.items():
        assert detect == FLOOR and exposed == SCHEDULES[name][0]
    impacts = [results[n][2] for n in ("global", "equal", "one-box")]
    terms = ", ".join(
        f"${g(SCHEDULES[n][0])} \\times {FLOOR + ROLLBACK:.0f} = {g(i)}$"
        for n, i in zip(("global", "equal", "one-box"), impacts, strict=True)
    )
    in_text(
        "Impact is $f_1 (D + R)$: "
        + terms.replace(", $0.01", " and $0.01")
        + f" fleet-minutes; times {bad:,.0f}, that is "
        f"{impacts[0] * bad:,.0f}, {impacts[1] * bad:,.0f} and {impacts[2] * bad:,.0f} failed requests"
    )
    total = PER_MINUTE * (FLOOR + ROLLBACK)
    in_text(
        f"The loud global push fails 0.5% of the {total:,.0f} requests of its {FLOOR + ROLLBACK:.0f} minutes, {total * p:,.0f}: no schedule can fail more"
    )
    ratio = impacts[0] / impacts[2]
    assert ratio == pytest.approx(1 / ONE_BOX[0])
    in_text(f"the one-box schedule cuts impact {ratio:.0f} times, which is $1/f_1$")
    threshold = ALARM / (PER_MINUTE * ONE_BOX[0] * FLOOR)  # the one-box reaches m within the floor
    assert cells.detection_minutes(ONE_BOX, BAKE, PER_MINUTE * threshold, ALARM) == pytest.approx(FLOOR)
    in_text(f"for defects breaking at least $m / (\\lambda f_1 D_0) = {tex_pct(threshold)}$ of requests")


def test_wave_schedule_worked_example_quiet_defect():
    p = QUIET
    bad = PER_MINUTE * p
    detect, exposed, impact = {}, {}, {}
    for name in SCHEDULES:
        detect[name], exposed[name], impact[name] = rollout(SCHEDULES[name], p)
    in_text(
        f"The whole fleet would produce {bad:.0f} bad requests a minute. Global push: {ALARM} of them take {ALARM / bad:.0f} minutes, so $D = {detect['global']:.0f}$ and impact is $1 \\times ({detect['global']:.0f} + {ROLLBACK:.0f}) = {g(impact['global'])}$ fleet-minutes"
    )
    in_text(
        f"Equal waves: ${ALARM} / ({bad:.0f} \\times 0.25) = {detect['equal']:.0f}$ minutes, inside the first bake, and $0.25 \\times ({detect['equal']:.0f} + {ROLLBACK:.0f}) = {g(impact['equal'])}$"
    )
    assert detect["equal"] < BAKE
    hour = bad * ONE_BOX[0] * BAKE
    rate2 = bad * sum(ONE_BOX[:2])
    d = detect["one-box"]
    assert d == pytest.approx(BAKE + (ALARM - hour) / rate2) and exposed["one-box"] == pytest.approx(0.10)
    first, second = ONE_BOX[0] * (d + ROLLBACK), ONE_BOX[1] * (d - BAKE + ROLLBACK)
    in_text(
        f"its hour yields ${bad:.0f} \\times {ONE_BOX[0]} \\times {BAKE:.0f} = {hour:.1f}$ bad requests; the 10% stage then adds "
        f"{rate2:.1f} a minute, so the other {ALARM - hour:.1f} take {(ALARM - hour) / rate2:.0f} minutes and $D = {d:.0f}$. "
        f"Impact: ${ONE_BOX[0]} \\times ({d:.0f} + {ROLLBACK:.0f}) + {ONE_BOX[1]} \\times ({d:.0f} - {BAKE:.0f} + {ROLLBACK:.0f}) = "
        f"{first:.2f} + {second:.2f} = {g(impact['one-box'])}$ fleet-minutes. In failed requests ($\\times {bad:.0f}$): "
        f"{impact['global'] * bad:.0f}, {impact['equal'] * bad:.0f} and {impact['one-box'] * bad:.0f}"
    )
    rollback_part = {n: bad * exposed[n] * ROLLBACK for n in SCHEDULES}
    for name in SCHEDULES:  # the sanity check: m before the alarm, the rest during rollback
        assert impact[name] * bad == pytest.approx(ALARM + rollback_part[name])
    in_text(
        f"rollback, ${bad:.0f} \\times E \\times {ROLLBACK:.0f}$: "
        + ", ".join(f"${ALARM} + {rollback_part[n]:.0f} = {ALARM + rollback_part[n]:.0f}$" for n in ("global", "equal"))
        + f" and ${ALARM} + {rollback_part['one-box']:.0f} = {ALARM + rollback_part['one-box']:.0f}$"
    )
    in_text(
        f"Against the quiet defect the same schedule cuts impact {impact['global'] / impact['one-box']:.1f} times "
        f"(${g(impact['global'])} / {g(impact['one-box'])}$), and the equal waves {impact['global'] / impact['equal']:.1f} times."
    )


@functools.cache
def one_box_worse_bands():
    """Defect rates where the one-box schedule costs more than the equal waves, by bisection on the listing's model."""

    def worse(p):
        return rollout(ONE_BOX, p)[2] > rollout(EQUAL, p)[2] + 1e-9

    grid = [10 ** (-8 + 6 * i / 3000) for i in range(3001)]
    starts, ends = [], []
    for low, high in itertools.pairwise(grid):
        entering = worse(high)
        if worse(low) != entering:
            for _ in range(60):  # bisect to the edge
                mid = math.sqrt(low * high)
                low, high = (mid, high) if worse(mid) != entering else (low, mid)
            (starts if entering else ends).append(high)
    return tuple(zip(starts, ends, strict=True))


def test_wave_schedule_decision_the_one_box_is_not_always_better_than_equal_waves():
    bad = PER_MINUTE * 1e-5
    in_text(
        f"where $B$ is what the whole fleet would fail a minute ({bad:.0f} here), and the rollback adds $R\\,E$: $I = m/B + R\\,E$"
    )
    # Never worse than the global push, at any defect rate.
    rates = [10 ** (-8 + 6 * i / 1200) for i in range(1201)]
    for p in rates:
        assert all(rollout(w, p)[2] <= rollout(GLOBAL, p)[2] + 1e-9 for w in (EQUAL, ONE_BOX, GRADUAL))
    (low2, high2), (low1, high1) = sorted(one_box_worse_bands())
    in_text(
        f"for defects breaking from {low1 * 1e6:.1f} to {high1 * 1e6:.1f} requests in a million, and from {low2 * 1e6:.2f} to "
        f"{high2 * 1e6:.2f} in a million (the shaded bands"
    )
    # The mechanism: in both bands the one-box schedule has a bigger wave out when its count completes.
    for p in (math.sqrt(low1 * high1), math.sqrt(low2 * high2)):
        assert rollout(ONE_BOX, p)[1] > rollout(EQUAL, p)[1]
    p = 5e-6
    eq, ob = rollout(EQUAL, p), rollout(ONE_BOX, p)
    counted = PER_MINUTE * p * exposure_run_before(ONE_BOX, BAKE, 2)
    in_text(
        f"At {p * 1e6:.0f} in a million the equal waves alarm at minute {eq[0]:.0f} with {eq[1]:.0%} of the fleet out, {g(eq[2])} "
        f"fleet-minutes; the one-box schedule has counted {counted:.1f} of its {ALARM} when the 40% wave ships at minute "
        f"{2 * BAKE:.0f}, and alarms at minute {ob[0]:.1f} with half the fleet out, {g(ob[2])} fleet-minutes"
    )
    assert ob[1] == 0.5
    worst = max(
        rollout(ONE_BOX, q)[2] / rollout(EQUAL, q)[2] for q in [high1 * (1 - k * 1e-4) for k in range(1, 200)] + rates
    )
    in_text(f"At worst, near {high1 * 1e6:.1f} in a million, it costs {worst:.2f} times what the equal waves cost")


def test_wave_schedule_decision_the_gradual_schedule_is_never_worse():
    equal_steps = [exposure_run_before(EQUAL, BAKE, j) for j in (1, 2, 3)]
    gradual_steps = [exposure_run_before(GRADUAL, BAKE, j) for j in (2, 3, 4, 5)]
    assert [sum(GRADUAL[: j + 1]) for j in (2, 3, 4, 5)] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    in_text(
        f"the equal waves reach 50% of the fleet after {equal_steps[0]:.0f}, 75% after {equal_steps[1]:.0f} and 100% after "
        f"{equal_steps[2]:.0f}. A 1% one-box followed by waves of "
        + ", ".join(f"{w:.0%}" for w in GRADUAL[1:-1])
        + f" and {GRADUAL[-1]:.0%} reaches 25% after {gradual_steps[0]:.1f}, 50% after {gradual_steps[1]:.1f}, 75% after "
        f"{gradual_steps[2]:.1f} and 100% after {gradual_steps[3]:.1f}"
    )
    # Each exposure reached only after counting at least what the other schedules had counted when they got there.
    assert all(gr >= eq for gr, eq in zip(gradual_steps[1:], equal_steps, strict=True))
    rates = [10 ** (-9 + 8 * i / 4000) for i in range(4001)]
    for p in rates:
        best_other = min(rollout(w, p)[2] for w in (GLOBAL, EQUAL, ONE_BOX))
        assert rollout(GRADUAL, p)[2] <= best_other + 1e-9
    last_start = (len(GRADUAL) - 1) * BAKE
    in_text(
        f"Its price is two more bakes: the last wave starts {last_start:.0f} minutes after the first instead of {(len(ONE_BOX) - 1) * BAKE:.0f}"
    )
    assert len(GRADUAL) - len(ONE_BOX) == 2
    quieter = [rollout(w, 1e-6)[2] for w in (GLOBAL, EQUAL, ONE_BOX, GRADUAL)]
    in_text(
        f"one request in a million, costs between {g(min(quieter))} and {g(max(quieter))} fleet-minutes under every schedule here"
    )


def test_wave_schedule_figure_alt_text_and_caption():
    alt = re.search(r":name: fig-operational-design-rollout-exposure :alt: (.*?) Detection time", PROSE).group(1)
    floors = {}
    for name, waves in (("global", GLOBAL), ("equal", EQUAL), ("one-box", ONE_BOX), ("gradual", GRADUAL)):
        floors[name] = ALARM / (PER_MINUTE * waves[0] * FLOOR)  # the loudest defect the floor no longer hides
        assert rollout(waves, floors[name] * 1.001)[0] == FLOOR and rollout(waves, floors[name] * 0.999)[0] > FLOOR
    assert floors["one-box"] == floors["gradual"]
    in_text(
        f"the global push at 1 in {1 / floors['global']:,.0f}, the equal waves at {floors['equal'] * 1e5:.0f} in 100,000 and both "
        f"one-box schedules at 1 in {1 / floors['one-box']:,.0f}",
        text=alt,
    )
    loud = {
        name: rollout(w, 1e-2)[2]
        for name, w in (("global", GLOBAL), ("equal", EQUAL), ("one-box", ONE_BOX), ("gradual", GRADUAL))
    }
    assert loud["one-box"] == loud["gradual"]
    in_text(
        f"flat at {g(loud['global'])} for the global push, {g(loud['equal'])} for the equal waves and {g(loud['one-box'])} for both one-box schedules",
        text=alt,
    )
    (low2, high2), (low1, high1) = sorted(one_box_worse_bands())
    in_text(
        f"from {low1 * 1e6:.1f} to {high1 * 1e6:.1f} and from {low2 * 1e6:.2f} to {high2 * 1e6:.2f} in a million",
        text=alt,
    )
    # Where each staged schedule joins the global push: below that rate it has every wave out when the alarm fires.
    one_box_join, equal_join = high2, ALARM / (PER_MINUTE * exposure_run_before(EQUAL, BAKE, 3))
    for waves, join in ((ONE_BOX, one_box_join), (EQUAL, equal_join)):
        assert rollout(waves, join * 0.999)[1] == 1.0 and rollout(waves, join * 1.001)[1] < 1.0
    joined = {n: rollout(GLOBAL, join * 0.999)[2] for n, join in (("one-box", one_box_join), ("equal", equal_join))}
    in_text(
        f"joins the global push below {one_box_join * 1e6:.2f} in a million at about {joined['one-box']:.0f} fleet-minutes; the equal "
        f"waves join it below {equal_join * 1e6:.2f} in a million at about {joined['equal']:.0f}",
        text=alt,
    )
    in_text("The dotted gradual schedule is never above any other curve", text=alt)
    in_text(f"because its {ONE_BOX[2]:.0%} wave ships before its {ONE_BOX[1]:.0%} wave has finished the count")


# -- numbers in the prose: incidents, Staff lens ------------------------------------------------------------


def minutes_between(start: str, end: str) -> int:
    (h1, m1), (h2, m2) = (map(int, t.split(":")) for t in (start, end))
    return (h2 * 60 + m2) - (h1 * 60 + m1)


def test_incident_durations():
    start, end = (
        re.search(r"At (\d\d:\d\d) UTC an engineer on Cloudflare's firewall team", PROSE).group(1),
        re.search(r"brought traffic and CPU back to normal by (\d\d:\d\d)", PROSE).group(1),
    )
    in_text(f"Global, for {minutes_between(start, end)} minutes ({start} to {end})")
    in_text(f"for {minutes_between(start, end)} minutes ({start} to {end} UTC)", text=SLIDES)
    released = re.search(r"released at (\d\d:\d\d) UTC", PROSE).group(1)
    remediated = re.search(r"remediated at (\d\d:\d\d) UTC, (\d+) minutes later", PROSE)
    assert minutes_between(released, remediated.group(1)) == int(remediated.group(2))
    in_text(f"was available for {remediated.group(2)} minutes before it was remediated", text=SLIDES)


def test_staff_lens_numbers():
    budget, tenants_fixed = 0.7 * CELL_TESTED, 3_000  # the worked example's cell budget and fixed cost
    cells_now = math.ceil(60_000 / budget)
    stages = [1, 2, 3, 3]  # cells per wave after the one-box
    assert sum(stages) == cells_now
    phrase = "one-box, " + ", ".join(f"{WORDS[c]} cell{'s' if c > 1 else ''}" for c in stages[:-1])
    in_text(f"code and configuration go {phrase}, then the last {WORDS[stages[-1]]}, with one-hour bakes")
    hours = len(stages)  # one-hour bakes: the last wave starts after the one-box's bake and one per earlier wave
    in_text(f"a change takes {WORDS[hours]} hours to reach everyone")
    in_text(f"${cells_now * tenants_fixed:,} a month of fixed cell cost")
    in_text("a schema change cannot run on one host, so its first stage is one cell")
    peak10 = 10 * 60_000
    needed = peak10 / budget
    n = math.ceil(needed)
    waves, covered, size = 0, 0, 1
    while covered < n:
        covered += size
        size *= 2
        waves += 1
    in_text(
        f"**At 10x load.** ${peak10:,} / {budget:,.0f} = {needed:.1f}$, so {n} cells. One cell per wave would take {n} bakes; doubling waves (1, 2, 4, "
        f"... cells) take about {WORDS[waves + 1]}. Fixed cost reaches ${n} \\times {tenants_fixed:,} =$ ${n * tenants_fixed:,} a month"
    )


# -- numbers in the prose: exercises ------------------------------------------------------------------------


EX1_HOSTS, EX1_QPS, EX1_ALARM = 400, 10_000, 60
EX1_WAVES, EX1_BAKE, EX1_ROLLBACK, EX1_PER_MINUTE, EX1_BASELINE = [0.0025, 0.0475, 0.2, 0.75], 30, 10, EX1_QPS * 60, 1e-6


def ex1(p, alarm=60, bake=EX1_BAKE):
    return rollout(EX1_WAVES, p, bake=bake, per_minute=EX1_PER_MINUTE, alarm=alarm, rollback=EX1_ROLLBACK)


def test_exercise_1a():
    p = 1e-4
    in_text(
        f"A fleet of {EX1_HOSTS} hosts serves {EX1_QPS:,} QPS spread evenly and deploys in {WORDS[len(EX1_WAVES)]} waves, "
        f"{WORDS[round(EX1_WAVES[0] * EX1_HOSTS)]} host ({EX1_WAVES[0] * 100:g}%) then "
        + ", ".join(f"{w * 100:g}%" for w in EX1_WAVES[1:-1]) + f" and {EX1_WAVES[-1] * 100:g}%, with a {EX1_BAKE}-minute "
        f"bake; rollback takes {EX1_ROLLBACK} minutes. Normally 1 request in {1 / EX1_BASELINE:,.0f} fails. The alarm fires "
        f"once it has counted {EX1_ALARM} bad requests above that baseline",
        f"never sooner than {FLOOR:.0f} minutes after the first wave starts. (a) A change breaks 1 request in {1 / p:,.0f}",
        f"The fleet serves {EX1_PER_MINUTE:,} requests a minute",
    )
    bad = EX1_PER_MINUTE * p
    detect, exposed, impact = ex1(p)
    first = bad * EX1_WAVES[0] * EX1_BAKE
    rate2 = bad * sum(EX1_WAVES[:2])
    assert detect == pytest.approx(EX1_BAKE + (60 - first) / rate2)
    in_text(
        f"A full fleet would see {bad:.0f} bad requests a minute. The one host sees ${bad:.0f} \\times {EX1_WAVES[0]} \\times {EX1_BAKE} = {first:.1f}$ in its bake; "
        f"from minute {EX1_BAKE} the {sum(EX1_WAVES[:2]):.0%} running the change see {rate2:.0f} a minute, so the other {60 - first:.1f} take "
        f"{(60 - first) / rate2:.1f} minutes: $D = {detect:.1f}$ minutes, with {exposed:.0%} of the fleet ({exposed * 400:.0f} hosts) exposed"
    )
    t1, t2 = EX1_WAVES[0] * (detect + EX1_ROLLBACK), EX1_WAVES[1] * (detect - EX1_BAKE + EX1_ROLLBACK)
    in_text(
        f"${EX1_WAVES[0]} \\times ({detect:.1f} + {EX1_ROLLBACK}) + {EX1_WAVES[1]} \\times ({detect:.1f} - {EX1_BAKE} + {EX1_ROLLBACK}) = "
        f"{g(t1)} + {g(t2)} = {g(impact)}$ fleet-minutes, or ${g(impact)} \\times {bad:.0f} = {impact * bad:.0f}$ failed requests "
        f"({60} before the alarm, {impact * bad - 60:.0f} during rollback)"
    )
    gd, _, gi = rollout(GLOBAL, p, bake=EX1_BAKE, per_minute=EX1_PER_MINUTE, rollback=EX1_ROLLBACK)
    assert gd == FLOOR and 60 / bad == 1
    in_text(
        f"A global push reaches 60 in one minute, so the {FLOOR:.0f}-minute floor decides: $1 \\times ({FLOOR:.0f} + {EX1_ROLLBACK}) = {g(gi)}$ "
        f"fleet-minutes, {gi * bad:.0f} failed requests. Staging buys a factor of {gi / impact:.0f}, not the {1 / EX1_WAVES[0]:.0f}"
    )


def test_exercise_1b():
    p = 1e-5
    bad = EX1_PER_MINUTE * p
    detect, exposed, impact = ex1(p)
    counts = [bad * sum(EX1_WAVES[: i + 1]) * EX1_BAKE for i in range(3)]
    by_last = sum(counts)
    assert exposed == 1.0 and detect == pytest.approx(3 * EX1_BAKE + (60 - by_last) / bad)
    in_text(
        f"A full fleet sees {bad:.0f} a minute. The waves count {counts[0]:.2f}, then {counts[1]:.0f} more ({sum(EX1_WAVES[:2]):.0%} for {EX1_BAKE} minutes), "
        f"then {counts[2]:.0f} more ({sum(EX1_WAVES[:3]):.0%} for {EX1_BAKE} minutes): {by_last:.2f} by minute {3 * EX1_BAKE}, when the last wave starts. "
        f"The other {60 - by_last:.2f} take {(60 - by_last) / bad:.3f} minutes at full exposure, so $D = {detect:.3f}$ with 100% exposed, and impact is "
        f"{g(impact)} fleet-minutes (60 bad requests to alarm, {impact * bad - 60:.0f} more in rollback: {impact * bad:.0f})"
    )
    gd, _, gi = rollout(GLOBAL, p, bake=EX1_BAKE, per_minute=EX1_PER_MINUTE, rollback=EX1_ROLLBACK)
    assert gi == pytest.approx(impact)
    in_text(
        f"The global push: $60 / {bad:.0f} = {gd:.0f}$ minutes, $1 \\times ({gd:.0f} + {EX1_ROLLBACK}) = {g(gi)}$ fleet-minutes, the same "
        f"{gi * bad:.0f} failed requests. The staged rollout bought nothing and delayed detection by {detect - gd:.0f} minutes"
    )
    target = sum(EX1_WAVES[:2])
    in_text(
        f"(b) The same for a defect breaking 1 request in {1 / p:,.0f}. What bake would keep its exposure at or below {target:.0%}",
        f"To hold exposure at {target:.0%}, the first two waves must count {EX1_ALARM} before the third starts at $2T$",
    )
    shortest = 60 / (bad * (EX1_WAVES[0] + target))  # one host for one bake, then 5% for one bake
    bake = math.ceil(shortest)
    in_text(
        f"${bad:.0f} \\times ({EX1_WAVES[0]} + {target:.2f}) \\times T \\ge 60$, so $T \\ge {shortest:.1f}$ minutes; take {bake}"
    )
    for bake_try, expected in ((math.floor(shortest * 10) / 10, sum(EX1_WAVES[:3])), (bake, target)):
        assert ex1(p, bake=bake_try)[1] == pytest.approx(expected)
    _, exposed_long, impact_long = ex1(p, bake=bake)
    in_text(
        f"Then impact is ${60 / bad:.0f} + {exposed_long:.2f} \\times {EX1_ROLLBACK} = {g(impact_long)}$ fleet-minutes ({impact_long * bad:.0f} failed requests), "
        f"about half, for a rollout whose last wave starts after $3 \\times {bake} = {3 * bake}$ minutes instead of {3 * EX1_BAKE}"
    )


def test_exercise_1c():
    p, b = 1e-5, EX1_BASELINE
    floor_m = 9 * b / p
    in_text(f"$m \\ge 9b/p = 9 \\times 10^{{-6}} / 10^{{-5}} = {floor_m:g}$")
    m, high_b = 6, 1e-4
    in_text(f"what would an alarm at {m} bad requests do for (b), and what if the baseline were 1 request in {1 / high_b:,.0f}?")
    served = m / p
    baseline = b * served
    noise = 3 * math.sqrt(baseline)
    assert noise < m
    in_text("three standard deviations need $m \\ge 3\\sqrt{b\\,m/p}$", f"An alarm at {m} clears it")
    in_text(
        f"by the time it has counted {m}, the exposed hosts have served ${m} / 10^{{-5}} = {served:,.0f}$ requests with {baseline:g} "
        f"baseline failures, and $3\\sqrt{{{baseline:g}}} = {noise:.1f} < {m}$"
    )
    bad = EX1_PER_MINUTE * p
    detect, exposed, impact = ex1(p, alarm=m)
    # Requests served on the exposed hosts until the count completes: the integral of the exposure, in requests.
    run = sum(w * max(0.0, detect - i * EX1_BAKE) for i, w in enumerate(EX1_WAVES))
    assert run * EX1_PER_MINUTE == pytest.approx(served)
    first = bad * EX1_WAVES[0] * EX1_BAKE
    rate2 = bad * sum(EX1_WAVES[:2])
    in_text(
        f"The one host counts {first:.2f} in its bake and the 5% then add {rate2:.1f} a minute, so the other {m - first:.2f} take "
        f"{(m - first) / rate2:.1f} minutes: $D = {detect:.1f}$ with {exposed:.0%} exposed, and impact is ${m}/{bad:.0f} + {EX1_ROLLBACK} \\times "
        f"{exposed:.2f} = {g(impact)}$ fleet-minutes, {impact * bad:.0f} failed requests"
    )
    assert (detect, exposed, impact) == pytest.approx(ex1(1e-4))  # (b) becomes (a)
    in_text(f"At a baseline of 1 in {1 / high_b:,.0f} the floor is $9 \\times 10^{{-4}} / 10^{{-5}} = {9 * high_b / p:.0f}$")
    assert 9 * high_b / p > EX1_ALARM  # even the alarm at 60 is too few on the whole-service series
    in_text(f"an alarm at {m} would fire on noise, and even {EX1_ALARM} is too few for the whole-service series")
    tenant_share = 0.01
    tenant_p = p / tenant_share
    in_text(
        f"if that tenant sends {tenant_share:.0%} of traffic, the defect breaks 1 in {1 / tenant_p:,.0f} of its requests, its floor is "
        f"$9 \\times 10^{{-4}} / 10^{{-3}} = {9 * high_b / tenant_p:g}$, and its series counts the same {m} bad requests at the "
        "same minute"
    )


def test_exercise_2_flag_service_against_checkout_budget():
    month = 30 * 24 * 60
    flags, target = 0.9995, 0.9999
    flag_minutes, budget = (1 - flags) * month, (1 - target) * month
    both = target * flags
    in_text(
        f"A checkout service (target {target:.2%}) evaluates feature flags by calling the flag service ({flags:.2%}) on every request",
        f"If checkout's own components do meet {target:.2%}, the two in series",
        f"The flag service fails ${1 - flags:.4f} \\times {month:,} = {flag_minutes:.1f}$ minutes in 30 days",
        f"Checkout's target allows ${1 - target:.4f} \\times {month:,} = {budget:.2f}$ minutes, so the flag service alone spends "
        f"{flag_minutes / budget:.0f} times checkout's whole error budget",
        f"the two in series give ${target} \\times {flags} \\approx {both:.2%}$: {(1 - both) * month:.1f} minutes, "
        f"{(1 - both) * month / budget:.0f} times the budget".replace("%$", "\\%$"),
    )
    in_text("ship a snapshot of the flag set with each build", "give every flag a default in code")


def poison_cascade(cell_count: int, detect_minutes: int, until: int, step: float = 0.25) -> list[tuple[float, int]]:
    """Exercise 3 as a simulation: the cell holding the poisoner crash-loops; after `detect_minutes` unhealthy, the
    router moves every tenant it holds to the next cell in the ring. Returns (minute, cells' worth of tenants down)."""
    holders = {c: {c} for c in range(cell_count)}  # cell -> the original cells whose tenants it now serves
    current, unhealthy_since, t, trace = 0, 0.0, 0.0, []
    while t <= until:
        if t - unhealthy_since >= detect_minutes:
            nxt = (current + 1) % cell_count
            holders[nxt] |= holders[current]
            holders[current] = set()
            current, unhealthy_since = nxt, t
        trace.append((t, len(holders[current])))
        t += step
    return trace


def test_exercise_3_failover_cascade():
    n, detect = 12, 3
    in_text(
        f"A service runs {n} cells. When a cell fails its health check for {detect} minutes",
        f"The first cell crash-loops and is marked unhealthy after {detect} minutes",
    )
    trace = poison_cascade(n, detect, 45)
    for t, down in trace:
        assert down == min(n, 1 + math.floor(t / detect))
    everyone = next(t for t, down in trace if down == n)
    assert everyone == (n - 1) * detect
    in_text(
        f"After $t$ minutes the tenants of $\\min({n}, 1 + \\lfloor t/{detect} \\rfloor)$ cells are down",
        f"every tenant is down after ${n - 1} \\times {detect} = {everyone:.0f}$ minutes. A fault whose natural blast radius was "
        f"1/{n} of tenants, {1 / n:.1%}, becomes 100%",
        "the receiving cell gets twice its load",
    )


def test_exercise_4_numbers():
    old, new, tenants, gb, rate = 9, 12, 3_000, 40, 1
    in_text(
        f"{tenants:,} tenants sit on {old} cells placed by `cell_for_tenant` (hash modulo {old}). Each has {gb} GB of data; "
        f"migration copies {rate} GB/s across the fleet. {WORDS[new - old].capitalize()} cells are added at once, for {new}.",
        f"leaves the same remainder $c$ modulo {old} and modulo {new}",
    )
    lcm = math.lcm(old, new)
    stay = sum(h % old == h % new for h in range(lcm)) / lcm
    assert stay == min(old, new) / lcm
    for a, b in ((9, 10), (9, 12), (4, 6), (12, 9)):  # the general rule the solution states
        assert cells.moved_fraction(TENANTS, a, b) == pytest.approx(1 - min(a, b) / math.lcm(a, b), abs=0.02)
    assert cells.moved_fraction(TENANTS, old, new) == pytest.approx(1 - stay, abs=0.02)
    moved = (1 - stay) * tenants
    data = moved * gb
    in_text(
        f"$\\operatorname{{lcm}}({old}, {new}) = {lcm}$, and for each $c < {old}$ exactly one of the {lcm} residues",
        f"so ${old}/{lcm} = {Fraction(old, lcm).numerator}/{Fraction(old, lcm).denominator}$ of tenants stay and "
        f"${Fraction(1 - stay).limit_denominator(100)}$ move: ${1 - stay:.2f} \\times {tenants:,} = {moved:,.0f}$ tenants, ${moved:,.0f} \\times {gb} = {data:,.0f}$ GB "
        f"({data / 1000:.0f} TB). At {rate} GB/s that is {data / rate:,.0f} seconds, {data / rate / 3600:.0f} hours of copying",
    )
    table = (new - old) * tenants / new
    in_text(
        f"${new - old} \\times {tenants:,} / {new} = {table:.0f}$ tenants, {table * gb / 1000:.0f} TB, {table * gb / rate:,.0f} seconds, "
        f"{table * gb / rate / 3600:.1f} hours",
        f"${new - old}/{new}$ of the buckets",
    )


def test_exercise_5_numbers():
    peak, per_instance, zones, per_zone_now = 10_000, 1_000, 3, 4
    in_text(
        f"A service peaks at {peak:,} QPS; one instance serves {per_instance:,} QPS at target. The team runs "
        f"{zones * per_zone_now} instances, {per_zone_now} per zone in {zones} zones"
    )
    remaining = (zones - 1) * per_zone_now * per_instance
    in_text(
        f"A zone loss leaves {(zones - 1) * per_zone_now} instances, {remaining:,} QPS for {peak:,} QPS of demand: {peak - remaining:,} QPS, "
        f"{(peak - remaining) / peak:.0%} of peak traffic",
        f"at {peak / remaining:.0%} offered load",
    )
    per_zone = math.ceil(peak / (zones - 1) / per_instance)
    total = zones * per_zone
    in_text(
        f"each zone carries ${peak:,} / 2 = {peak // 2:,}$ QPS alone, {per_zone} instances per zone, {total} in all, "
        f"{total - zones * per_zone_now} more than today and ${total}/{peak // per_instance} = {total / (peak // per_instance):.1f}$ times the minimum",
        f"A zone loss leaves {total - per_zone} instances at exactly target",
    )
    four = math.ceil(peak / 3 / per_instance)
    in_text(
        f"In 4 zones: ${peak:,} / 3 = {peak / 3:,.0f}$ QPS per zone, {four} instances each, {4 * four} in all: "
        f"{WORDS[4 * four - total]} more than with 3 zones, because rounding {peak / 3 / per_instance:.2f} up to {four} per zone "
        "costs more than the smaller $4/3$ factor saves"
    )
    need = math.ceil(peak / per_instance)

    def fewest(zone_count):
        return min(
            (
                c
                for c in itertools.combinations_with_replacement(range(need + 1), zone_count)
                if sum(c) - max(c) >= need
            ),
            key=sum,
        )

    assert sum(fewest(3)) == total
    split = [4, 4, 3, 3]  # the split the solution names: minimal, and any one loss leaves enough
    assert sum(split) == sum(fewest(4)) and sum(split) - max(split) >= need
    in_text(
        f"Unequal zones of {split[0]}, {split[1]}, {split[2]} and {split[3]}, {sum(split)} in all, also leave at least {need}"
    )


def least_loaded_placement(sizes, cell_count):
    loads = [0.0] * cell_count
    for size in sorted(sizes, reverse=True):
        i = loads.index(min(loads))
        loads[i] += size
    return loads


def test_exercise_6_numbers():
    tested, share, total, largest_share, other_share = 8_000 / 0.7, 0.7, 120_000, 0.15, 0.005
    tenants, bake = 5_000, 45
    budget = share * tested
    in_text(
        f"A webhook platform has {tenants:,} tenants and {total:,} QPS at peak in one region, across three zones; the largest "
        f"tenant sends {largest_share:.0%} of traffic and no other tenant more than {other_share:.1%}",
        f"The router holds a {tenants:,}-entry tenant table",
        f"*Context:* one global stack, two global failure paths, one tenant at {largest_share:.0%} of load",
        f"Take an {budget:,.0f} QPS cell budget: each cell spans the three zones, is tested to {tested:,.0f} QPS with one zone "
        f"drained, and runs at {share:.0%} of that",
    )
    big = largest_share * total
    dedicated = math.ceil(big / budget)
    in_text(
        f"${largest_share} \\times {total:,} = {big:,.0f}$ QPS",
        f"${big:,.0f} / {budget:,.0f} = {big / budget:.2f}$, so {dedicated}",
    )
    rest = total - big
    minimum = math.ceil(rest / budget)
    in_text(
        f"The rest need ${rest:,.0f} / {budget:,.0f} = {rest / budget:.2f}$, so at least {minimum} shared cells, but {minimum} would start at "
        f"${rest:,.0f} / {minimum} = {rest / minimum:,.0f}$ QPS each, {rest / minimum / budget:.0%} of their budget"
    )
    biggest_other = other_share * total
    shared = minimum + 1
    bound = {c: rest / c + biggest_other for c in (shared, minimum)}
    assert bound[shared] <= budget < bound[minimum]
    in_text(
        f"it ends at most one tenant, {biggest_other:,.0f} QPS, above the average. With {shared} cells that is at most "
        f"${rest / shared:,.0f} + {biggest_other:,.0f} = {bound[shared]:,.0f}$ QPS, within budget; with {minimum} it could be "
        f"{bound[minimum]:,.0f}, over",
        f"Take {shared} shared cells, starting at {rest / shared / budget:.0%} of budget; one is $1/{shared} \\approx {tex_pct(1 / shared)}$ of regular tenants",
    )
    # The bound holds for the placement the solution describes, and 13 cells can fail it.
    rng = random.Random(3)
    sizes = [rng.uniform(1, biggest_other) for _ in range(4_999)]
    sizes = [s * rest / sum(sizes) for s in sizes]
    assert max(sizes) <= biggest_other
    assert max(least_loaded_placement(sizes, shared)) <= bound[shared] + 1e-6
    worst_case = [biggest_other] * round(rest / biggest_other)  # every other tenant at the 0.5% cap
    assert max(least_loaded_placement(worst_case, shared)) <= budget < max(least_loaded_placement(worst_case, minimum))
    stages = [1, 2, 4]  # cells after the one-box and its own cell
    remaining = shared - sum(stages)
    in_text(
        f"one-box in a low-traffic shared cell, that cell, {stages[1]} cells, {stages[2]} cells, the remaining {remaining} shared cells, "
        f"then the dedicated cells one at a time; {bake}-minute bakes with a minimum request count",
        f"The last shared cells start after {len(stages) + 1} bakes, {(len(stages) + 1) * bake // 60} hours",
    )
    in_text(
        f"*Decision:* {shared + dedicated} cells ({shared} shared, {dedicated} dedicated)",
        f"{shared + dedicated} cells of fixed cost",
    )


# -- the formulas and inputs the numbers come from ---------------------------------------------------------


def test_the_formulas_in_the_text_are_the_listings():
    """Each displayed formula, checked against the listing on a grid, then found in the text."""
    for waves in (GLOBAL, EQUAL, ONE_BOX, GRADUAL):
        big_w = len(waves)
        for detect in (0, 1, 30, 59.5, 60, 60.5, 119, 120, 121, 240, 299, 300, 301, 1e9, math.inf):
            k = big_w if math.isinf(detect) else min(big_w, max(1, math.ceil(Fraction(detect) / Fraction(BAKE))))
            assert cells.exposed_fraction(waves, BAKE, detect) == pytest.approx(sum(waves[:k]))
            if math.isfinite(detect):
                t = [(i - 1) * BAKE for i in range(1, k + 1)]
                expected = sum(f * (detect - ti + ROLLBACK) for f, ti in zip(waves[:k], t, strict=True))
                assert cells.impact_fleet_minutes(waves, BAKE, detect, ROLLBACK) == pytest.approx(expected)
    in_text(
        "wave $i$ starting at $t_i = (i-1)\\,T$ for bake time $T$",
        "The first $k = \\min\\left(W, \\max\\left(1, \\lceil D/T \\rceil\\right)\\right)$ waves have the change",
        "$$ E(D) = \\sum_{i=1}^{k} f_i , \\qquad I(D) = \\sum_{i=1}^{k} f_i \\,\\bigl(D - t_i + R\\bigr) \\quad \\text{fleet-minutes.} $$",
    )
    for detect in (1, 45):
        assert cells.impact_fleet_minutes(GLOBAL, BAKE, detect, ROLLBACK) == detect + ROLLBACK
    in_text("A global push is $W = 1$: $E = 100\\%$ and $I = D + R$")
    # One wave: the listing's detection is the displayed max(D0, m / (lambda f p)).
    for f, p in ((1.0, 1e-5), (1.0, 1e-3), (1.0, 1e-7)):
        per_second = QPS * f * p
        assert cells.detection_minutes([1.0], BAKE, per_second * 60, ALARM, FLOOR) == pytest.approx(
            max(FLOOR, ALARM / per_second / 60)
        )
    in_text(
        "$$ D \\approx \\max\\left(D_0, \\frac{m}{\\lambda \\, f \\, p}\\right) , $$",
        f"Take $D_0 = {FLOOR:.0f}$ minutes",
    )
    in_text("$$ \\frac{Z}{Z-1} \\, L , $$", "each survivor carrying $L/(Z-1)$")
    # Modulo placement: from n to n + 1 cells, 1 / (n + 1) stay (the listing is checked in test_moved_fraction_...).
    in_text(
        "Going from $n$ to $n+1$ cells keeps a tenant in place only when its hash leaves the same remainder for both, which "
        "holds for $1/(n+1)$ of hash values; the other $n/(n+1)$ move",
        "from $n$ to $n + 1$ that is the $1/(n+1)$ above",
    )


def test_the_wave_schedule_claims():
    """The worked example's general claims, each next to the computation that backs it."""
    loud = {name: rollout(waves, LOUD) for name, waves in SCHEDULES.items()}
    assert all(detect == FLOOR and exposed == SCHEDULES[name][0] for name, (detect, exposed, _) in loud.items())
    in_text(f"The count of {ALARM} takes", f"every schedule detects at $D = {FLOOR:.0f}$ minutes with only its first wave out")
    assert loud["global"][2] / loud["one-box"][2] == pytest.approx(1 / ONE_BOX[0])
    in_text(f"staging cuts impact to the first wave's share ({ONE_BOX[0]:.0%} for a {ONE_BOX[0]:.0%} one-box)")
    quiet = {name: rollout(waves, QUIET) for name, waves in SCHEDULES.items()}
    assert all(impact * PER_MINUTE * QUIET == pytest.approx(ALARM + PER_MINUTE * QUIET * exposed * ROLLBACK)
               for _, exposed, impact in quiet.values())  # m before the alarm, the rest during rollback
    in_text(f"the failures before detection are exactly $m = {ALARM}$")
    one_box_hour = PER_MINUTE * QUIET * ONE_BOX[0] * BAKE
    assert one_box_hour < ALARM < one_box_hour + PER_MINUTE * QUIET * sum(ONE_BOX[:2]) * BAKE
    in_text(f"the total reaches {ALARM} only once a bigger wave has carried the count there")
    in_text("No schedule is worse than the global push, whose $E$ is 1")  # checked at every rate in the decision test
    in_text(f"because its {ONE_BOX[1]:.0%} second wave cannot finish the count before the {ONE_BOX[2]:.0%} wave ships")


# -- the deck repeats none of the corrected errors ---------------------------------------------------------


def test_deck_section_repeats_none_of_the_corrected_errors():
    for wrong in (
        "keep the one-box;",
        "Cells always shrink",
        "cells with waves cut the average too.",
        "80% of traffic was lost, for 27 minutes",
        "crashed hosts for 78 minutes",
        "load-tested to 10,000 QPS and run at 70%",
        "near 65 fleet-minutes",
    ):
        assert wrong not in SLIDES, wrong
        assert wrong not in PROSE, wrong
    p = 5e-6
    eq, ob = rollout(EQUAL, p), rollout(ONE_BOX, p)
    in_text(
        f"equal waves: minute {eq[0]:.0f}, {eq[1]:.0%} out, {g(eq[2])} fleet-minutes; one-box: minute {ob[0]:.1f}, {ob[1]:.0%} out, {g(ob[2])}",
        text=SLIDES,
    )
    in_text(
        f"{(len(GRADUAL) - 1) * BAKE:.0f} minutes to the last wave instead of {(len(ONE_BOX) - 1) * BAKE:.0f}",
        f"load-tested to {CELL_TESTED:,} QPS with one zone drained",
        text=SLIDES,
    )


def test_repetition_is_cut():
    assert PROSE.count("three minutes after the deploy") == 1
    assert len(re.findall(r"factor of 100\b|100 times\b", PROSE)) <= 1


def test_the_figure_scripts_exist_and_are_used():
    scripts = Path(__file__).resolve().parent.parent / "diagrams"
    for name in ("m0_opdesign_cells.py", "m0_opdesign_rollout_exposure.py"):
        assert (scripts / name).is_file()
        assert name.removesuffix(".py") in TEXT
