"""Cell assignment and blast-radius arithmetic for a cell-based architecture.

Three mechanisms from the Operational Design chapter:

* ``cell_for_tenant`` maps a tenant ID to a cell with a stable hash, so every
  router replica computes the same answer with no lookup on the request path;
  ``moved_fraction`` shows what that costs when the number of cells changes.
* ``exposed_fraction`` and ``impact_fleet_minutes`` compute how much of a fleet a
  bad change reaches under a staged rollout (waves separated by a bake time)
  before it is detected, and the resulting fleet-minutes of impact.
* ``detection_minutes`` computes when that detection happens: an alarm that
  needs a fixed number of bad requests fires later when fewer hosts run the
  change, so the detection time depends on the schedule, not only on the defect.

Times are minutes from the first wave's start; wave i (from 0) starts at
i * bake_minutes. A wave due at the very minute of detection does not start.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence


def cell_for_tenant(tenant_id: str, cell_count: int) -> int:
    """Return the cell (0 .. cell_count - 1) that serves ``tenant_id``.

    The first 8 bytes of SHA-256 over the UTF-8 tenant ID, read as an unsigned
    big-endian integer, modulo the cell count. SHA-256 rather than Python's
    ``hash()`` because ``hash()`` of a string is salted per process: two router
    replicas would disagree. The ID is hashed byte for byte, so normalize it
    (case, Unicode form) before calling.
    """
    if not isinstance(cell_count, int) or isinstance(cell_count, bool) or cell_count < 1:
        raise ValueError("cell_count must be a whole number, at least 1")
    digest = hashlib.sha256(tenant_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % cell_count


def assign(tenant_ids: Iterable[str], cell_count: int) -> dict[int, list[str]]:
    """Group tenants by cell; every cell appears, even an empty one."""
    cells: dict[int, list[str]] = {cell: [] for cell in range(cell_count)}
    for tenant_id in tenant_ids:
        cells[cell_for_tenant(tenant_id, cell_count)].append(tenant_id)
    return cells


def moved_fraction(tenant_ids: Sequence[str], old_count: int, new_count: int) -> float:
    """Fraction of tenants whose cell changes when the cell count changes.

    With modulo placement, going from n to n + 1 cells moves about n / (n + 1)
    of all tenants, each move a data migration. A tenant-to-cell table, or a
    hash onto many fixed buckets that a table assigns to cells, moves only the
    tenants (or buckets) the control plane chooses.
    """
    if not tenant_ids:
        return 0.0
    moved = sum(cell_for_tenant(t, old_count) != cell_for_tenant(t, new_count) for t in tenant_ids)
    return moved / len(tenant_ids)


def _waves_started(wave_count: int, bake_minutes: float, detect_minutes: float) -> int:
    """Waves that received the change by the time it is detected.

    The first wave always starts; wave i (i >= 1) has started when its start
    time i * bake_minutes is strictly before the detection. The comparison uses
    the same product as ``detection_minutes``, so a detection at a wave's start
    never counts that wave, whatever the floating-point rounding.
    """
    if bake_minutes == 0:
        return wave_count  # no bake: everything ships at once
    return 1 + sum(1 for i in range(1, wave_count) if i * bake_minutes < detect_minutes)


def exposed_fraction(waves: Sequence[float], bake_minutes: float, detect_minutes: float) -> float:
    """Fraction of the fleet running a bad change when it is detected.

    ``waves`` are the fractions of the fleet each wave adds, summing to 1;
    ``detect_minutes`` is the time from the first wave's start to the alarm
    (``math.inf`` for a defect never detected: every wave ships).
    """
    _check_waves(waves)
    _check_times(bake_minutes=bake_minutes, detect_minutes=detect_minutes)
    k = _waves_started(len(waves), bake_minutes, detect_minutes)
    return sum(waves[:k])


def impact_fleet_minutes(
    waves: Sequence[float], bake_minutes: float, detect_minutes: float, rollback_minutes: float
) -> float:
    """Fleet-minutes of impact: each exposed wave's fraction times how long it ran the bad change.

    Wave i runs it from its start (i * bake_minutes) until detection plus the
    rollback time. Multiply by the number of users to get user-minutes. A
    defect never detected (``math.inf``) costs ``math.inf``.
    """
    _check_waves(waves)
    _check_times(bake_minutes=bake_minutes, detect_minutes=detect_minutes, rollback_minutes=rollback_minutes)
    k = _waves_started(len(waves), bake_minutes, detect_minutes)
    return sum(f * (detect_minutes - i * bake_minutes + rollback_minutes) for i, f in enumerate(waves[:k]))


def detection_minutes(
    waves: Sequence[float],
    bake_minutes: float,
    bad_per_fleet_minute: float,
    alarm_bad_requests: float,
    floor_minutes: float = 0.0,
) -> float:
    """Minutes from the first wave's start until the alarm fires.

    ``bad_per_fleet_minute`` is the rate of bad requests the defect would cause
    if the whole fleet ran it (requests per minute times the fraction it
    breaks); while a fraction E of the fleet runs it, bad requests arrive at E
    times that rate. The alarm fires once the bad requests counted on every host
    running the change, summed since the first wave started, reach
    ``alarm_bad_requests`` (a canary-style comparison of totals, not an alarm
    on a windowed rate), and never sooner than ``floor_minutes`` (the time
    metrics, evaluation periods and paging take however loud the defect is).
    Waves keep starting on schedule until the alarm fires. Returns ``math.inf``
    for a defect that breaks nothing.
    """
    _check_waves(waves)
    _check_times(bake_minutes=bake_minutes, floor_minutes=floor_minutes)
    if math.isnan(bad_per_fleet_minute) or math.isnan(alarm_bad_requests):
        raise ValueError("the rate and the count must be numbers")
    if bad_per_fleet_minute < 0 or alarm_bad_requests < 0:
        raise ValueError("the rate and the count must not be negative")
    if bad_per_fleet_minute == 0:
        return math.inf
    if bake_minutes == 0:
        waves = [1.0]  # no bake: everything ships at once
    counted, exposed = 0.0, 0.0
    for i, fraction in enumerate(waves):
        exposed += fraction
        start = i * bake_minutes
        end = math.inf if i == len(waves) - 1 else (i + 1) * bake_minutes
        rate = bad_per_fleet_minute * exposed
        if counted + rate * (end - start) >= alarm_bad_requests:
            # min(): rounding must not carry the answer past this stage's end, into the next wave
            return max(floor_minutes, min(end, start + (alarm_bad_requests - counted) / rate))
        counted += rate * (end - start)
    raise AssertionError("unreachable: the last wave never ends")


def _check_waves(waves: Sequence[float]) -> None:
    if not waves or not all(f > 0 for f in waves) or not math.isclose(sum(waves), 1.0, abs_tol=1e-9):
        raise ValueError("waves must be positive fractions that sum to 1")


def _check_times(**minutes: float) -> None:
    for name, value in minutes.items():
        if math.isnan(value) or value < 0:
            raise ValueError(f"{name} must be a number of minutes, not negative")
