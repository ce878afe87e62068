"""Exercise solution: a client-side guard that NACKs an EDS update shrinking a cluster too much at once.

The protocol lets a client reject a resource for its own reasons, and rejecting keeps the last good configuration.
`mass_removal_guard(0.5)` returns a validator for XdsClient that first applies the protocol checks, then refuses any
update that would leave a known cluster with fewer endpoints than half the number it has now (an empty set
included). It bounds the size of a change, not its content: an update that swaps every address keeps the count and
passes. A legitimate large scale-down must arrive in steps, each keeping at least half, which is the price of the
guard; until it does, the guarded client keeps routing to the removed endpoints. A cluster can never be emptied
through it (1 -> 0 is below any floor): retiring a service means removing the cluster from the subscription.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from xds_client import InvalidResource, Resources, validate_endpoints  # noqa: E402


def mass_removal_guard(keep_at_least: float = 0.5):
    if isinstance(keep_at_least, bool) or not (isinstance(keep_at_least, (int, float)) and 0 < keep_at_least <= 1):
        raise ValueError("keep_at_least must be a fraction in (0, 1]")

    def validate(resources: Resources, current: dict[str, tuple[str, ...]]) -> None:
        validate_endpoints(resources)
        for name, endpoints in resources:
            before = len(current.get(name, ()))
            if before and len(set(endpoints)) < math.ceil(keep_at_least * before):
                raise InvalidResource(
                    f"{name}: update keeps {len(set(endpoints))} of {before} endpoints, "
                    f"below the {keep_at_least:.0%} floor")

    return validate
