"""Cell assignment and blast-radius arithmetic for a cell-based architecture.

Two mechanisms from the Operational Design chapter:

* ``cell_for_tenant`` maps a tenant ID to a cell with a stable hash, so every
  router replica computes the same answer with no lookup on the request path;
  ``moved_fraction`` shows what that costs when the number of cells changes.
* ``exposed_fraction`` and ``impact_fleet_minutes`` compute how much of a fleet a
  bad change reaches under a staged rollout (waves separated by a bake time)
  before it is detected, and the resulting fleet-minutes of impact.
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
    replicas would disagree.
    """
    if cell_count < 1:
        raise ValueError("cell_count must be at least 1")
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
    of all tenants: each move is a data migration, which is why production cell
    routers keep an explicit tenant-to-cell table instead.
    """
    if not tenant_ids:
        return 0.0
    moved = sum(cell_for_tenant(t, old_count) != cell_for_tenant(t, new_count) for t in tenant_ids)
    return moved / len(tenant_ids)


def _waves_started(wave_count: int, bake_minutes: float, detect_minutes: float) -> int:
    """Waves that received the change by the time it is detected.

    Wave i (counting from 0) starts at i * bake_minutes; the first wave always
    starts. A wave that would start at the very minute of detection does not.
    """
    if bake_minutes <= 0:
        return wave_count  # no bake: everything ships at once
    started = max(1, math.ceil(detect_minutes / bake_minutes))
    return min(wave_count, started)


def exposed_fraction(waves: Sequence[float], bake_minutes: float, detect_minutes: float) -> float:
    """Fraction of the fleet running a bad change when it is detected.

    ``waves`` are the fractions of the fleet each wave adds, summing to 1;
    ``detect_minutes`` is the time from the first wave's start to the alarm.
    """
    _check_waves(waves)
    k = _waves_started(len(waves), bake_minutes, detect_minutes)
    return sum(waves[:k])


def impact_fleet_minutes(
    waves: Sequence[float], bake_minutes: float, detect_minutes: float, rollback_minutes: float
) -> float:
    """Fleet-minutes of impact: each exposed wave's fraction times how long it ran the bad change.

    Wave i runs it from its start (i * bake_minutes) until detection plus the
    rollback time. Multiply by the number of users to get user-minutes.
    """
    _check_waves(waves)
    k = _waves_started(len(waves), bake_minutes, detect_minutes)
    start = [i * bake_minutes if bake_minutes > 0 else 0.0 for i in range(k)]
    return sum(f * (detect_minutes - s + rollback_minutes) for f, s in zip(waves[:k], start, strict=True))


def _check_waves(waves: Sequence[float]) -> None:
    if not waves or any(f <= 0 for f in waves) or not math.isclose(sum(waves), 1.0, abs_tol=1e-9):
        raise ValueError("waves must be positive fractions that sum to 1")
