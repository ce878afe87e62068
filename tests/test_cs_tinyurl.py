"""Tests for the TinyURL case study: the shortcode listing's behaviour, and every formula number in the chapter."""
from __future__ import annotations

import heapq
import importlib.util
import math
import random
import secrets
import threading
import time
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from listings import chapter_text, load_listing, pinned

sc = load_listing("case-studies/code/shortcode.py")
TEXT = chapter_text("case-studies/tinyurl.md")
DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"


def load_script(name: str):
    """Import a figure script by path without running its main()."""
    spec = importlib.util.spec_from_file_location(f"figure_{name}", DIAGRAMS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FLAT = " ".join(TEXT.split())


def shown(s: str) -> None:
    """The phrase occurs exactly once in the chapter, wherever its line breaks fall."""
    pinned(FLAT, s)


def dollars(x: float) -> str:
    """Whole dollars, halves rounded up as a reader would ($2,062.50 -> $2,063)."""
    whole = int(Decimal(repr(float(x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"${whole:,}"


# --- The chapter's inputs -------------------------------------------------------------------------------------
CREATES_PER_DAY = 10_000_000
READS_PER_DAY = 100 * CREATES_PER_DAY
PEAK = 3
DAYS_5Y = 365 * 5
LINKS_5Y = CREATES_PER_DAY * DAYS_5Y
ITEM_BYTES = 300 + 100 + 48  # attributes + DynamoDB per-item overhead + global-table overhead
INDEX_BYTES = 150
RESPONSE_BYTES = 1000
HANDSHAKE_BYTES = 4000  # a new connection's TLS handshake, server to client: an upper estimate
MONTH_DAYS = 30
N7 = sc.keyspace(7)
REGIONS = 3
PER_INSTANCE_QPS = 5000  # at 50% CPU
VIRAL_QPS = 50_000
HEADROOM = 2  # one server in a deploy, one failed
REGION_PEAK = PEAK * READS_PER_DAY / 86400 / REGIONS  # a region's own share of the peak
PER_REGION = math.ceil((REGION_PEAK + VIRAL_QPS) / PER_INSTANCE_QPS) + HEADROOM  # sized for a viral link
SERVERS = REGIONS * PER_REGION
WRU_PRICE, RRU_PRICE, GB_MONTH = 0.625e-6, 0.125e-6, 0.25
MISS = 0.6
REDIRECTS_PER_MONTH = READS_PER_DAY * MONTH_DAYS
CREATES_PER_MONTH = CREATES_PER_DAY * MONTH_DAYS
AVG_READS = READS_PER_DAY / 86400
HOME_SHARE = AVG_READS / REGIONS  # a region's average redirects/s
BUDGET = REDIRECTS_PER_MONTH * 1e-4  # failed redirects a month at 99.99%
DNS_MOVE_S = 180  # health checks plus DNS move a region's traffic in an assumed 3 minutes
# The takedown budget: denylist pulls every 30 s with a 10 s timeout, the browser's max-age, the 5-minute requirement.
PULL_PERIOD_S, PULL_TIMEOUT_S, BROWSER_S, TAKEDOWN_S = 30, 10, 180, 300


# --- Listing behaviour ----------------------------------------------------------------------------------------
def test_alphabet_is_62_distinct_alphanumerics():
    assert sc.BASE == 62 and len(set(sc.ALPHABET)) == 62 and sc.ALPHABET.isalnum()


@pytest.mark.parametrize("n, code", [(0, "0"), (9, "9"), (10, "A"), (61, "z"), (62, "10"), (62**7 - 1, "zzzzzzz")])
def test_encode_known_values(n, code):
    assert sc.encode(n) == code
    assert sc.decode(code) == n


def test_round_trip_random_values():
    rng = random.Random(7)
    for _ in range(2000):
        n = rng.randrange(0, 62**12)
        assert sc.decode(sc.encode(n)) == n


def test_width_pads_with_zero_digit_and_never_truncates():
    assert sc.encode(61, width=7) == "000000z"
    assert sc.decode("000000z") == 61
    assert sc.encode(62**8, width=7) == "100000000"


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError):
        sc.encode(-1)
    with pytest.raises(ValueError):
        sc.decode("")
    for bad in ("abc-def", "a b", "é"):
        with pytest.raises(ValueError):
            sc.decode(bad)


def test_random_code_length_alphabet_and_seeding():
    code = sc.random_code()
    assert len(code) == 7 and set(code) <= set(sc.ALPHABET)
    assert sc.random_code(12, random.Random(1)) == sc.random_code(12, random.Random(1))
    assert len({sc.random_code() for _ in range(1000)}) == 1000  # CSPRNG path: repeats are astronomically unlikely


def test_random_code_default_uses_the_os_csprng(monkeypatch):
    calls = []
    monkeypatch.setattr(secrets, "choice", lambda seq: calls.append(seq) or seq[0])
    assert sc.random_code(5) == "00000" and len(calls) == 5


def test_birthday_approximation_matches_exact_product():
    space = 10_000
    for n in (10, 50, 118, 200, 400):
        exact = 1 - math.prod((space - i) / space for i in range(n))
        assert sc.collision_probability(n, space) == pytest.approx(exact, abs=0.01)


def test_birthday_bound_matches_a_seeded_simulation():
    rng = random.Random(20261123)
    space, n, trials = 10_000, 118, 4000
    hits = sum(len({rng.randrange(space) for _ in range(n)}) < n for _ in range(trials))
    assert hits / trials == pytest.approx(sc.collision_probability(n, space), abs=0.01)  # seed 20261123: 0.004 off


def test_draws_for_probability_inverts_the_bound():
    for space in (10_000, N7):
        n = sc.draws_for_probability(0.5, space)
        assert sc.collision_probability(round(n), space) == pytest.approx(0.5, abs=0.005)  # n(n-1) vs n**2


def test_expected_attempts_and_full_keyspace():
    assert sc.expected_attempts(0, 100) == 1
    assert sc.expected_attempts(50, 100) == 2
    with pytest.raises(ValueError):
        sc.expected_attempts(100, 100)


def test_shortest_length():
    assert sc.shortest_length(LINKS_5Y, 0.01) == 7
    assert sc.shortest_length(100 * LINKS_5Y, 0.01) == 8
    assert sc.shortest_length(1, 1.0) == 1


# --- Capacity ---------------------------------------------------------------------------------------------------
def test_rates_in_text():
    shown(f"{CREATES_PER_DAY:,} / 86,400 s = {CREATES_PER_DAY / 86400:.1f} creates/s on average; at {PEAK}× peak, "
          f"{PEAK * CREATES_PER_DAY / 86400:,.0f} creates/s")
    shown(f"{READS_PER_DAY:,} / 86,400 s = {READS_PER_DAY / 86400:,.0f} redirects/s on average; at peak, "
          f"{PEAK * READS_PER_DAY / 86400:,.0f} redirects/s")
    shown(f"{CREATES_PER_DAY:,} × 365 × 5 = {LINKS_5Y / 1e9:.2f} billion links")


def test_storage_and_bandwidth_in_text():
    shown(f"{LINKS_5Y * ITEM_BYTES / 1e12:.1f} TB per\nreplica")
    shown(f"{CREATES_PER_DAY * 30 * ITEM_BYTES / 1e9:.0f} GB per 30-day month")
    avg = READS_PER_DAY / 86400 * RESPONSE_BYTES
    shown(f"{avg / 1e6:.1f} MB/s = {avg * 8 / 1e6:.0f} Mbit/s")
    shown(f"{PEAK * avg * 8 / 1e6:.0f} Mbit/s at peak")
    with_tls = READS_PER_DAY / 86400 * (RESPONSE_BYTES + HANDSHAKE_BYTES)
    shown(f"{with_tls * 8 / 1e6:.0f} Mbit/s on average and {PEAK * with_tls * 8 / 1e6:,.0f} Mbit/s at peak")
    share = Fraction(HANDSHAKE_BYTES, RESPONSE_BYTES + HANDSHAKE_BYTES)
    words = {1: "one", 2: "two", 3: "three", 4: "four"}, {2: "halves", 3: "thirds", 4: "quarters", 5: "fifths"}
    shown(f"{words[0][share.numerator]}\n{words[1][share.denominator]} of it certificates and key exchange")


def test_littles_law_in_text():
    half_peak = PEAK * READS_PER_DAY / 86400 / 2
    shown(f"{half_peak:,.0f} redirects/s) has {half_peak:,.0f} × 0.005 = {half_peak * 0.005:.0f} requests")


# --- Keyspace and collisions --------------------------------------------------------------------------------------
def test_keyspace_table():
    for k in (6, 7, 8):
        shown(f"| {k} | {sc.keyspace(k):,} |")
    shown(f"| {LINKS_5Y / sc.keyspace(6):.0%} |")
    shown(f"| {LINKS_5Y / N7:.2%} |")
    shown(f"| {LINKS_5Y / sc.keyspace(8):.4%} |")
    shown(f"runs out in year {math.ceil(sc.keyspace(6) / (CREATES_PER_DAY * 365))}")


def test_birthday_numbers_in_text():
    half = sc.draws_for_probability(0.5, N7)
    shown(f"{math.sqrt(2 * math.log(2)):.2f}\\sqrt{{N}}")
    shown(f"For seven characters that is {half / 1e6:.2f} million codes, which this service creates in "
          f"{half / CREATES_PER_DAY * 24:.1f} hours")
    shown(f"{sc.expected_colliding_pairs(CREATES_PER_DAY, N7):.1f} colliding pairs")
    shown(f"among five years' {LINKS_5Y / 1e9:.2f} billion, {sc.expected_colliding_pairs(LINKS_5Y, N7) / 1e6:.1f} million")
    eight_half_days = sc.draws_for_probability(0.5, sc.keyspace(8)) / CREATES_PER_DAY
    day = ["first", "second", "third", "fourth"][math.ceil(eight_half_days) - 1]
    shown(f"even eight characters pass 50% before the end of the {day} day")


def test_retries_equal_colliding_pairs():
    """Creates whose first draw hits a taken code, counted in a seeded simulation of sequential creates on a small
    keyspace, match the expected colliding pairs; so the five-year retries are the five-year pairs."""
    rng = random.Random(18)
    space, n, trials, retried = 100_000, 5_000, 40, 0
    for _ in range(trials):
        taken: set[int] = set()
        for _ in range(n):
            code = rng.randrange(space)
            retried += code in taken
            while code in taken:
                code = rng.randrange(space)
            taken.add(code)
    assert retried / trials == pytest.approx(sc.expected_colliding_pairs(n, space), rel=0.03)
    retries = sc.expected_colliding_pairs(LINKS_5Y, N7)
    shown(f"{sc.expected_attempts(LINKS_5Y, N7):.4f} after five years")
    shown(f"the retries come to about {retries / 1e6:.1f} million, the same number as the colliding pairs")
    shown(f"create in {1 / (LINKS_5Y / N7):.0f} retries")


def test_key_generation_side_numbers():
    block_minutes = 100_000 / (PEAK * CREATES_PER_DAY / 86400 / 6) / 60
    shown(f"lasts about {block_minutes:.0f} minutes")
    pool_gb = CREATES_PER_MONTH * 107 / 1e9
    shown(f"about {pool_gb:.0f} GB of storage")


def test_cross_region_collision_numbers():
    lam = CREATES_PER_DAY / 86400
    seconds = DAYS_5Y * 86400
    expected = (2 / 3) * lam**2 * seconds * 1.0 / N7
    shown(f"= {expected:.2f}: a {-math.expm1(-expected):.0%} chance")
    shown(f"about {(2 / 3) * (10 * lam) ** 2 * seconds / N7:.0f} expected at ten times")


def test_hot_key_numbers():
    units = 50_000 * 0.5
    shown(f"{units:,.0f} read units per\nsecond, {units / 3000:.1f}× a partition's limit")
    per_server = VIRAL_QPS / PER_REGION  # the whole viral link in one region
    shown(f"{per_server:,.0f} requests/s per server for one key")
    shown(f"about {per_server * 0.005:.0f}\nrequests per server")
    shown(f"{per_server * 0.8:,.0f} requests per server\npile up")
    shown(f"about {per_server * 0.8:,.0f} reads in flight per server")
    shown(f"without single-flight about {per_server * 0.8:,.0f} requests per server")


# --- Caching ------------------------------------------------------------------------------------------------------
def test_zipf_static_optimum_numbers():
    zipf = load_script("cs_tinyurl_zipf_cache")
    n = 100_000_000
    shown(f"The optimum is {zipf.static_hit_ratio(5_000_000, n, 1.0):.1%} for α = 1.0 and "
          f"{zipf.static_hit_ratio(5_000_000, n, 0.8):.1%} for α = 0.8")
    # Euler-Maclaurin tail against the exact sum
    exact = sum(i**-0.8 for i in range(1, 2_000_001))
    assert zipf.harmonic(2_000_000, 0.8, exact_terms=100_000) == pytest.approx(exact, rel=1e-12)


def test_zipf_lru_simulation_numbers():
    zipf = load_script("cs_tinyurl_zipf_cache")
    for alpha, phrase in ((1.0, "{lru:.1%} against an optimum of\n{best:.1%}"), (0.8, "{lru:.1%} against {best:.1%}")):
        stream = zipf.zipf_requests(zipf.N_KEYS, zipf.N_REQUESTS, alpha)
        k = int(0.1 * zipf.N_KEYS)
        lru = zipf.lru_hit_ratio(stream, k)
        best = zipf.static_hit_ratio(k, zipf.N_KEYS, alpha)
        assert lru < best
        shown(phrase.format(lru=lru, best=best))


def lru_by_timestamps(stream: list[int], capacity: int, warmup: int) -> float:
    """LRU written another way than the figure script's: evict the smallest last-use time, from a lazy heap."""
    last_use: dict[int, int] = {}
    heap: list[tuple[int, int]] = []
    hits = 0
    for i, key in enumerate(stream):
        if key in last_use:
            hits += i >= warmup
        elif len(last_use) == capacity:
            while True:
                used, victim = heapq.heappop(heap)
                if last_use.get(victim) == used:
                    del last_use[victim]
                    break
        last_use[key] = i
        heapq.heappush(heap, (i, key))
    return hits / (len(stream) - warmup)


def belady_hit_ratio(stream: list[int], capacity: int, warmup: int) -> float:
    """Belady's MIN, the offline optimum for any cache that loads on a miss: evict the key used again farthest ahead."""
    n = len(stream)
    next_use, seen = [0] * n, {}
    for i in range(n - 1, -1, -1):
        next_use[i] = seen.get(stream[i], n + i)  # a key never used again: distinct times past the end
        seen[stream[i]] = i
    cached: dict[int, int] = {}
    heap: list[tuple[int, int]] = []
    hits = 0
    for i, key in enumerate(stream):
        if key in cached:
            hits += i >= warmup
        elif len(cached) == capacity:
            while True:
                negative, victim = heapq.heappop(heap)
                if cached.get(victim) == -negative:
                    del cached[victim]
                    break
        cached[key] = next_use[i]
        heapq.heappush(heap, (-next_use[i], key))
    return hits / (n - warmup)


@pytest.mark.parametrize("alpha", [1.0, 0.8])
def test_simulated_lru_stays_below_the_top_k_optimum_and_beladys_min(alpha):
    """The figure's LRU curve against the optimum it is drawn with, on one seeded Zipf stream: the script's LRU agrees
    with an LRU written independently, the top-k optimum's formula agrees with what pinning the top k keys hits on the
    stream, and LRU is clearly below that optimum, which in turn is below Belady's offline MIN."""
    zipf = load_script("cs_tinyurl_zipf_cache")
    keys, warmup = 20_000, 20_000
    stream = zipf.zipf_requests(keys, 80_000, alpha, seed=3)
    measured = stream.tolist()
    for k in (20, 200, 2_000):
        lru = zipf.lru_hit_ratio(stream, k, warmup=warmup)
        assert lru == lru_by_timestamps(measured, k, warmup)
        pinned_top_k = sum(key < k for key in measured[warmup:]) / (len(measured) - warmup)  # key 0 is the most popular
        assert pinned_top_k == pytest.approx(zipf.static_hit_ratio(k, keys, alpha), abs=0.006)  # seed 3: within 0.004
        assert lru + 0.05 < pinned_top_k < belady_hit_ratio(measured, k, warmup)


def test_denylist_and_working_set():
    shown(f"about {100_000 * 25 / 24 / 1000:.0f},000 codes")
    shown(f"{5_000_000 * 300 / 1e9:.1f} GB at an assumed 300 bytes per entry")
    shown(f"{100_000_000 * 300 / 1e9:.0f} GB working set")


# --- Cost ---------------------------------------------------------------------------------------------------------
# Write units per create: in the home region one transaction writes the link and its idempotency key (2 units each,
# prepare + commit) and the owner index (1); each other region receives the link, its index entry and the key (3);
# the key's TTL delete a day later is free where it runs and a replicated write in each other region (1 each); the
# create log keeps one copy in each of the two other regions (1 each). One strongly consistent key read (1 read unit).
HOME_UNITS = 2 + 2 + 1
REPLICA_UNITS = 1 + 1 + 1
TTL_DELETE_UNITS = REGIONS - 1
LOG_COPIES = REGIONS - 1
UNITS_PER_CREATE = HOME_UNITS + (REGIONS - 1) * REPLICA_UNITS + TTL_DELETE_UNITS + LOG_COPIES
CREATE_API = 2 * REGIONS  # create API instances
RESCANS_PER_MONTH = CREATES_PER_MONTH  # one scheduled rescan per link, 30 days after creation
LOOKUPS_PER_MONTH = CREATES_PER_MONTH + RESCANS_PER_MONTH
EGRESS_GB = REDIRECTS_PER_MONTH * (RESPONSE_BYTES + HANDSHAKE_BYTES) / 1e9  # one new connection per redirect
LCU_HOURS = REDIRECTS_PER_MONTH / (25 * 3600)  # an LCU is 25 new connections a second for an hour
TABLE_GB_Y1 = CREATES_PER_DAY * 365 * ITEM_BYTES / 1e9  # backups are priced on the base table
TABLE_GB_Y5 = LINKS_5Y * ITEM_BYTES / 1e9
BACKUP_PER_GB = 0.20 + 5 * 0.10 + 0.15 / 3  # PITR + five weekly copies + a quarterly restore drill
LOG_DAYS = 8  # longer than the 7 days between weekly backups
LOG_GB = LOG_DAYS * CREATES_PER_DAY * 300 * LOG_COPIES / 1e9
EGRESS_TIERS = [(100, 0.0), (10_240 - 100, 0.09), (40_960, 0.085), (102_400, 0.07)]  # the price list's binary TB


def tiered(gb: float, tiers: list[tuple[float, float]]) -> float:
    """Price `gb` through (size of tier in GB, price per GB) tiers, in order."""
    cost, left = 0.0, gb
    for size, price in tiers:
        used = min(left, size)
        cost += used * price
        left -= used
    assert left == 0, "volume beyond the priced tiers"
    return cost


def cost_lines() -> dict[str, float]:
    return {
        "creates": CREATES_PER_MONTH * (UNITS_PER_CREATE * WRU_PRICE + 1 * RRU_PRICE),
        "reads": REDIRECTS_PER_MONTH * MISS * 0.5 * RRU_PRICE,
        "reads_uncached": REDIRECTS_PER_MONTH * 0.5 * RRU_PRICE,
        "storage_y1": CREATES_PER_DAY * 365 * (ITEM_BYTES + INDEX_BYTES) / 1e9 * REGIONS * GB_MONTH,
        "storage_y5": LINKS_5Y * (ITEM_BYTES + INDEX_BYTES) / 1e9 * REGIONS * GB_MONTH,
        "backups_y1": TABLE_GB_Y1 * BACKUP_PER_GB + LOG_GB * GB_MONTH,
        "backups_y5": TABLE_GB_Y5 * BACKUP_PER_GB + LOG_GB * GB_MONTH,
        "compute": (SERVERS + CREATE_API) * 0.15 * 730,
        "lb": REGIONS * 730 * 0.0225 + LCU_HOURS * 0.008,
        "egress": tiered(EGRESS_GB, EGRESS_TIERS),
        "waf": 5 + 2 * 1,
        "reputation": (10_000_000 - 100_000) / 1000 * 0.50,
        "cf_requests": (REDIRECTS_PER_MONTH - 10_000_000) / 10_000 * 0.0100,
        "cf_data": tiered(EGRESS_GB, [(1_000, 0.0), (9_000, 0.085), (40_000, 0.080), (100_000, 0.060)]),
    }


def totals() -> tuple[float, float]:
    c = cost_lines()
    base = c["creates"] + c["reads"] + c["compute"] + c["lb"] + c["egress"] + c["waf"] + c["reputation"]
    return base + c["storage_y1"] + c["backups_y1"], base + c["storage_y5"] + c["backups_y5"]


def test_cost_table_lines():
    c = cost_lines()
    shown(f"Per create, {HOME_UNITS} + {REGIONS - 1} × {REPLICA_UNITS} + {TTL_DELETE_UNITS} + {LOG_COPIES} = "
          f"{UNITS_PER_CREATE} write units")
    shown(f"3 × 10⁸ × ({UNITS_PER_CREATE} write units × $0.625/M + 1 read unit × $0.125/M) | {dollars(c['creates'])}")
    shown(f"= {REDIRECTS_PER_MONTH * MISS * 0.5 / 1e9:.0f} billion units × $0.125/M | {dollars(c['reads'])}")
    shown(f"{CREATES_PER_DAY * 365 * (ITEM_BYTES + INDEX_BYTES) / 1e9:,.0f} GB × 3 regions × $0.25 | {dollars(c['storage_y1'])}")
    shown(f"({ITEM_BYTES} + {INDEX_BYTES} index) B")
    shown(f"{LINKS_5Y * (ITEM_BYTES + INDEX_BYTES) / 1e9:,.0f} GB × 3 regions × $0.25 | {dollars(c['storage_y5'])}")
    shown(f"{TABLE_GB_Y1:,.0f} GB × ($0.20 PITR + 5 × $0.10 weekly + $0.15 drill / 3) + {LOG_GB:.0f} GB of create log "
          f"× $0.25 | {dollars(c['backups_y1'])}")
    shown(f"{TABLE_GB_Y5:,.0f} GB × the same ${BACKUP_PER_GB:.2f} + the same log | {dollars(c['backups_y5'])}")
    shown(f"{TABLE_GB_Y1:,.0f} GB at the end of year 1 and {TABLE_GB_Y5:,.0f} GB at the end of year 5")
    shown(f"({SERVERS} + {CREATE_API}) instances × $0.15 × 730 h | {dollars(c['compute'])}")
    shown(f"3 × 730 h × $0.0225 + {LCU_HOURS:,.0f} LCU-hours × $0.008 | {dollars(c['lb'])}")
    paid = [(size, price) for size, price in EGRESS_TIERS if price]
    first, second = paid[0][0], paid[1][0]
    third = EGRESS_GB - 100 - first - second
    shown(f"{EGRESS_GB:,.0f} GB: {first:,} × $0.09 + {second:,} × $0.085 + {third:,.0f} × $0.07 | {dollars(c['egress'])}")
    shown(f"$5 + 2 rules × $1 | {dollars(c['waf'])}")
    shown(f"(10⁷ − 10⁵) / 1,000 × $0.50 | {dollars(c['reputation'])}")
    shown(f"Web Risk, the other {(LOOKUPS_PER_MONTH - 10_000_000) / 1e6:.0f} million lookups")
    shown(f"× $0.0100 | *{dollars(c['cf_requests'])}*")
    shown(f"100,000 GB × $0.060, replacing the {dollars(c['egress'])} line | *{dollars(c['cf_data'])}*")


def test_cost_volumes():
    shown(f"5 KB × 30 billion = {EGRESS_GB / 1000:.0f} TB a month, of which "
          f"{REDIRECTS_PER_MONTH * HANDSHAKE_BYTES / 1e12:.0f} TB is handshakes")
    shown(f"= {LCU_HOURS:,.0f} LCU-hours")
    by_connections = LCU_HOURS / 730
    by_bytes = REDIRECTS_PER_MONTH * 6000 / 1e9 / 730  # 1 GB an hour per LCU, ~6 KB a redirect both ways
    by_active = AVG_READS * 60 / 3000  # held for a 60 s idle timeout; 3,000 a minute per LCU
    assert by_connections > by_bytes and by_connections > by_active  # so the bill is set by new connections
    shown(f"they average {by_connections:.0f} LCUs, against {by_bytes:.0f} for processed bytes")
    shown(f"180 TB over 730 hours) and {by_active:.0f} for active connections")
    shown(f"one scheduled rescan per link: {LOOKUPS_PER_MONTH / 1e6:.0f} million a month")
    shown(f"The create log holds {LOG_DAYS} days × 10 million creates × 300 bytes in each of\ntwo regions, {LOG_GB:.0f} GB")


def test_handshake_measurement_is_reported_consistently():
    import re

    measured = int(re.search(r'"SSL handshake has read (\d+) bytes"', TEXT).group(1))
    shown(f"sends about {measured / 1000:.1f} KB from server to client")
    assert measured < HANDSHAKE_BYTES  # the 4 KB is an upper estimate above the minimal test chain
    shown(f"{HANDSHAKE_BYTES * REDIRECTS_PER_MONTH / 1e9 / EGRESS_GB:.0%} of its bytes are handshakes")


def test_unpriced_volumes():
    shown(f"100,000 messages a day, each to {SERVERS} servers")
    rows = 100_000 * 10 / 1440  # the denylist rows of the last 10 minutes
    units = math.ceil(rows * 50 / 4096)  # about 50 bytes a row; a strongly consistent read unit per 4 KB
    queries = SERVERS * REGIONS * MONTH_DAYS * 86400 / 30  # every server reads all three replicas every 30 s
    shown(f"the denylist pulls ({queries / 1e6:.1f} million small\nqueries a month, about ${queries * units * RRU_PRICE:.0f})")


def test_web_risk_numbers():
    quota_per_s = 6000 / 60
    avg, peak = CREATES_PER_DAY / 86400, PEAK * CREATES_PER_DAY / 86400
    assert quota_per_s < avg  # the backlog of pending scans would grow without bound
    shown(f"6,000 `SearchUris` requests a minute per project {{cite:p}}`google2026webriskquotas`, {quota_per_s:.0f} a second")
    shown(f"{1 - quota_per_s / avg:.0%} of creates at the average rate and {1 - quota_per_s / peak:.0%} at the peak")
    lookups_per_s = LOOKUPS_PER_MONTH / (MONTH_DAYS * 86400)
    shown(f"double the lookups to {LOOKUPS_PER_MONTH / 1e6:.0f} million a month, {lookups_per_s:.1f} a second on average, "
          f"{LOOKUPS_PER_MONTH / 10_000_000:.0f} times the 10 million the price list covers")
    assert lookups_per_s < peak  # a quota at the peak create rate drains the rescans below the peak
    shown(f"the peak create rate, {peak:.0f} a second or {peak * 60:,.0f} a minute")
    rest = (LOOKUPS_PER_MONTH - 10_000_000) / 1000 * 0.50
    y1, _ = totals()
    shown(f"{(LOOKUPS_PER_MONTH - 10_000_000) / 1e6:.0f} million lookups\nwould cost {dollars(rest)}, more than "
          f"{['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'][int(rest // y1)]} times")


def test_cost_totals_and_ratios():
    c = cost_lines()
    y1, y5 = totals()
    shown(f"**{dollars(y1)} / {dollars(y5)}**")
    with_cdn = y1 - c["egress"] + c["cf_requests"] + c["cf_data"]
    shown(f"*{dollars(with_cdn)}*")
    assert with_cdn / y1 == pytest.approx(2, abs=0.1)  # "roughly double the bill"
    per_million = y1 / (REDIRECTS_PER_MONTH / 1e6)
    shown(f"The year-1 total is ${per_million:.2f} per million redirects, about the same as CloudFront's request fee alone: "
          "a CDN on the redirect path would roughly double the bill")
    cdn_per_million = 1e6 / 10_000 * 0.0100
    assert abs(per_million - cdn_per_million) / cdn_per_million < 0.1  # "about the same as CloudFront's request fee"
    shown(f"saving at most its {dollars(LCU_HOURS * 0.008)}")
    known = ("creates", "reads", "compute", "lb", "egress", "storage_y1", "backups_y1", "waf", "reputation")
    assert max(known, key=c.get) == "egress"
    shown(f"data transfer out, {c['egress'] / y1:.0%} of the total")
    year = next(n for n in range(1, 6) if n * (c["storage_y1"] + c["backups_y1"]) > c["compute"])
    shown(f"together they pass compute in year {year}")
    shown(f"are {(c['storage_y5'] + c['backups_y5']) / y5:.0%} of the year-5 bill")
    shown(f"owner index is {INDEX_BYTES / (ITEM_BYTES + INDEX_BYTES):.0%} of storage")
    shown(f"about {dollars(y1)} a month in year 1")
    shown(f"data transfer at {c['egress'] / y1:.0%} of it, and {dollars(y5)} in\nyear 5")


def test_shared_cache_worked_example():
    c = cost_lines()
    shown(f"12 × 0.44 × 730 = {dollars(12 * 0.44 * 730)}")
    shown(f"30 × 10⁹ × 0.6 = 1.8 × 10¹⁰, costing {REDIRECTS_PER_MONTH * MISS * 0.5 / 1e9:.0f} billion read units")
    shown(f"{REDIRECTS_PER_MONTH * 0.5 / 1e10:.1f} × 10¹⁰ read units, {dollars(c['reads_uncached'])}")
    shown(f"the same reads cost {dollars(100 * c['reads'])}")
    zipf = load_script("cs_tinyurl_zipf_cache")
    slices = PER_REGION * 5_000_000
    shown(f"{PER_REGION} servers in a region hold {PER_REGION} different 5-million-entry\nslices, {slices / 100_000_000:.0%} of the working set")
    shown(f"the optimum is {zipf.static_hit_ratio(slices, 100_000_000, 1.0):.1%} (α = 1.0) or "
          f"{zipf.static_hit_ratio(slices, 100_000_000, 0.8):.1%} (α = 0.8)")
    shown(f"{VIRAL_QPS:,} redirects/s against an instance's {PER_INSTANCE_QPS:,}")


# --- Regions, SLOs, abuse -----------------------------------------------------------------------------------------
def test_fleet_sizing():
    half_peak = PEAK * AVG_READS / 2
    shown(f"half of the global peak, {half_peak:,.0f} redirects/s")
    shown(f"the first needs {math.ceil(half_peak / PER_INSTANCE_QPS)} instances plus {HEADROOM} for headroom and deploys")


def test_viral_link_worked_example():
    load = REGION_PEAK + VIRAL_QPS
    shown(f"34,722 / 3 = {REGION_PEAK:,.0f} redirects/s")
    shown(f"11,574 + 50,000 = {load:,.0f} redirects/s, and {load:,.0f} / 5,000 = {load / PER_INSTANCE_QPS:.1f}, "
          f"so {math.ceil(load / PER_INSTANCE_QPS)}")
    shown(f"{PER_REGION} per region, {SERVERS} in all")
    shown(f"{load:,.0f} / 15 = {load / PER_REGION:,.0f} redirects/s, {VIRAL_QPS / PER_REGION:,.0f} of them")
    lcus = math.ceil(load / 25)
    shown(f"{load:,.0f} / 25 = {lcus:,} LCUs, about ${lcus * 0.008:.0f} an hour")
    shown(f"{load:,.0f} × 5 KB = {load * 5000 / 1e6:.0f} MB/s, {load * 5000 * 8 / 1e9:.1f} Gbit/s")
    reserved = lcus * 730 * 0.008
    shown(f"{lcus:,} × 730 h × $0.008 = {dollars(reserved)} per region")
    assert 5 < reserved / (LCU_HOURS * 0.008) < 6  # "more than five times the LCU bill of all three regions"
    capacity = PER_REGION * PER_INSTANCE_QPS
    assert load <= capacity
    shown(f"{load:,.0f} ≤ 15 × 5,000 = {capacity:,} redirects/s")
    both = PEAK * AVG_READS / 2 + VIRAL_QPS
    assert both <= capacity
    shown(f"17,361 + 50,000 = {both:,.0f}")
    loss_only = math.ceil(PEAK * AVG_READS / 2 / PER_INSTANCE_QPS) + HEADROOM
    extra = (PER_REGION - loss_only) * REGIONS
    shown(f"{extra} more than the {loss_only * REGIONS} that a region's loss alone needs, {dollars(extra * 0.15 * 730)} a\nmonth")
    shed = VIRAL_QPS / 2 * 300  # half the link shed for 5 minutes
    shown(f"fails {shed / 1e6:.1f} million redirects, {shed / BUDGET:.1f} months of error budget")


def test_takedown_budget():
    pull_period, pull_timeout, browser, requirement = PULL_PERIOD_S, PULL_TIMEOUT_S, BROWSER_S, TAKEDOWN_S
    servers = pull_period + pull_timeout  # the last complete pull that missed the code started before the commit
    total = servers + browser
    assert total <= requirement
    shown(f"Every {pull_period} s each server reads the rows of the last 10 minutes from all three replicas, with\nstrongly "
          f"consistent queries and a {pull_timeout} s timeout")
    shown(f"last complete pull started less than {servers} s ago")
    shown(f"| **Total** | {servers} + {browser} | **{total} s** |")
    shown(f"That leaves {requirement - total} s of margin")
    assert FLAT.count(f"max-age={requirement}") == 1, "only the sentence that explains why 300 s would break the budget"
    shown(f"with `max-age={requirement}` the browser term alone would use all of\nit")
    shown(f"answer **302 Found** with `Cache-Control: private, max-age={browser}`")


def test_fail_closed_price():
    failed = HOME_SHARE * DNS_MOVE_S
    shown(f"at its average {HOME_SHARE:,.0f} redirects/s, {failed:,.0f} failed redirects, {failed / BUDGET:.0%} of the month's")
    shown(f"stops redirecting, {failed / BUDGET:.0%} of a month's budget per event")
    shown(f"the region's redirects until DNS moves them: {failed / BUDGET:.0%} of a month's budget")


def test_create_log_numbers():
    shown(f"two write units, {dollars(CREATES_PER_MONTH * LOG_COPIES * WRU_PRICE)} a month")
    lag_codes = CREATES_PER_DAY / 86400 * 1
    future = 4 * 365 * CREATES_PER_DAY  # the next four years' draws
    shown(f"a 1-second lag strands about {lag_codes:.0f} codes")
    shown(f"the next four years' {future / 1e9:.1f} billion draws, and ${round(lag_codes)} \\times {future / 1e9:.1f} "
          f"\\times 10^9 / 62^7$ =\n{round(lag_codes) * future / N7:.2f} of them")
    shown(f"{PEAK * CREATES_PER_DAY / 86400 * 30 * future / N7:.0f} after a 30-second lag at the peak")


def test_create_latency_budget():
    forward, key_read, check, transaction, log_write, target = 100, 10, 200, 20, 100, 500
    total = forward + key_read + check + transaction + log_write
    assert total <= target
    shown(f"That is {total} ms, {target - total} ms inside the {target} ms target")


def test_fallback_read_cap():
    cap = 10
    shown(f"{cap} a second is {cap / HOME_SHARE:.2%} of a region's average {HOME_SHARE:,.0f} redirects/s")
    assert cap / HOME_SHARE < 0.01  # inside the 1% that a p99 lets be slow


def test_analytics_loss_budget_and_spool():
    budget = 0.001 * REDIRECTS_PER_MONTH
    shown(f"at most 0.1% of clicks: {budget / 1e6:.0f} million events a\nmonth, the traffic of "
          f"{0.001 * MONTH_DAYS * 1440:.1f} minutes")
    outage = AVG_READS * 4 * 3600
    shown(f"would cost {outage / 1e6:.1f} million, {outage / budget:.1f} times")
    per_server = AVG_READS / SERVERS
    viral_server = (REGION_PEAK + VIRAL_QPS) / PER_REGION
    shown(f"The queue lasts {100_000 / per_server:.0f} s at a\nserver's average {per_server:.0f} events/s and "
          f"{100_000 / viral_server:.0f} s")
    spool = viral_server * 200 * 4 * 3600
    shown(f"{viral_server:,.0f} × 200 B × 14,400 s = {spool / 1e9:.1f} GB per server, which lasts "
          f"{spool / (per_server * 200) / 3600:.0f} hours at the\naverage rate")
    lost = per_server * 4 * 3600
    shown(f"4 hours of one server's\nevents are {lost / 1e6:.1f} million, {lost / budget:.0%} of the month's budget")
    shown(f"for {4 * 60 / (MONTH_DAYS * 1440):.2%} of the\nmonth's minutes")


def test_floods():
    spare = PER_REGION * PER_INSTANCE_QPS - REGION_PEAK
    shown(f"{spare:,.0f} redirects/s of spare capacity at its 50% CPU target (75,000 − 11,574 at peak)")
    shown(f"{dollars(REDIRECTS_PER_MONTH * 0.60 / 1e6)} a month")
    lcus = 1_000_000 / 25
    shown(f"a million new connections a second is {lcus:,.0f} capacity units, ${lcus * 0.008:.0f} an hour")
    shown(f"{spare:,.0f} redirects/s of spare per region")


def test_error_budget_and_burn_rates():
    shown(f"{BUDGET:,.0f} failed\nredirects, or {MONTH_DAYS * 24 * 60 * 1e-4:.2f} minutes")
    shown(f"0.02 × 720 h / 1 h = {0.02 * 720 / 1:.1f}")
    shown(f"error ratio above {14.4 * 1e-4:.3%}")
    shown(f"{0.05 * 720 / 6:.0f}× over six hours (5% of the budget)")
    shown(f"{0.10 * 720 / 72:.0f}× over three days (10% of the budget)")


def test_enumeration_numbers():
    shown(f"about {1000 * LINKS_5Y / N7:.1f} live links per 1,000 random guesses")
    n12 = sc.keyspace(12)
    mantissa, exponent = f"{n12:.1e}".split("e+")
    shown(f"62^{{12}} \\approx {mantissa} \\times 10^{{{int(exponent)}}}")
    m2, e2 = f"{LINKS_5Y / n12:.1e}".split("e-")
    shown(f"{m2} \\times 10^{{-{int(e2)}}}")


# --- 10x and 100x -------------------------------------------------------------------------------------------------
def test_ten_times():
    shown(f"Creates average {10 * CREATES_PER_DAY / 86400:,.0f}/s and peak at\n{30 * CREATES_PER_DAY / 86400:,.0f}/s")
    shown(f"redirects average {10 * AVG_READS:,.0f}/s and peak at {30 * AVG_READS:,.0f}/s")
    occ = 10 * LINKS_5Y / N7
    shown(f"fill {occ:.2%} of the\nseven-character space")
    shown(f"{sc.expected_attempts(10 * LINKS_5Y, N7):.3f} tries")
    shown(f"{10 * LINKS_5Y * (ITEM_BYTES + INDEX_BYTES) / 1e12:.1f} TB per replica")
    shown(dollars(10 * LINKS_5Y * (ITEM_BYTES + INDEX_BYTES) / 1e9 * REGIONS * GB_MONTH) + " a month")
    assert 30 * AVG_READS > 250_000  # above CloudFront's default per-distribution quota


def test_hundred_times():
    links = 100 * LINKS_5Y
    shown(f"{links / 1e12:.3f} trillion links, {links / N7:.1%} of the seven-character space")
    assert round(sc.expected_attempts(links, N7)) == 2  # "about two tries"
    shown(f"with $k = 8$: {links / sc.keyspace(8):.2%} used")
    shown(f"{links * (ITEM_BYTES + INDEX_BYTES) / 1e15:.1f} PB per replica")
    shown(f"about ${links * (ITEM_BYTES + INDEX_BYTES) / 1e9 * REGIONS * GB_MONTH / 1000:,.0f},000 a month for three replicas")


# --- Exercises ----------------------------------------------------------------------------------------------------
def test_exercise_1():
    load = 200_000 + REGION_PEAK
    shown(f"200,000 / 15 = {200_000 / PER_REGION:,.0f} redirects/s, {200_000 / PER_REGION / PER_INSTANCE_QPS:.1f}×")
    needed = math.ceil(load / PER_INSTANCE_QPS)
    shown(f"(200,000 + 11,574) / 5,000 = {load / PER_INSTANCE_QPS:.1f}, so {needed} instances, plus {HEADROOM} for a "
          f"deploy and a failure: {needed + HEADROOM} in the region, {needed + HEADROOM - PER_REGION} more")
    lcus = math.ceil(load / 25)
    shown(f"(200,000 + 11,574) / 25 = {lcus:,} LCUs")
    hour = lcus * 0.008 + (needed + HEADROOM - PER_REGION) * 0.15
    shown(f"reserve {lcus:,} LCUs, about ${hour:.0f} for the hour with the instances")
    cdn = 200_000 * 600 / 10_000 * 0.0100
    shown(f"200,000 × 600 s = {200_000 * 600 / 1e6:.0f} million requests,\n{dollars(cdn)}")
    assert hour < cdn  # "Pre-scale: it costs less"


def test_exercise_2():
    lead = 2**128 / 62**21
    shown(f"$2^{{128}} / 62^{{21}}$ = {lead:.2f}")
    space = 2**128 / 62**15  # the values the first seven of 22 digits can take
    mantissa, exponent = f"{space:.2e}".split("e+")
    shown(f"$2^{{128}} / 62^{{15}} \\approx {mantissa} \\times 10^{{{int(exponent)}}}$ values, an eighth of $62^7$")
    assert round(N7 / space) == 8
    pairs = sc.expected_colliding_pairs(CREATES_PER_DAY, space)
    assert round(1e14 / (2 * float(mantissa) * 10 ** int(exponent))) == round(pairs)  # the rounded inputs agree
    shown(f"= {pairs:.0f}; by year 5, {LINKS_5Y / space:.1%}")
    shown(f"about {CREATES_PER_DAY * LINKS_5Y / space / 1000:,.0f},000 new URLs a day collide")


def test_exercise_3():
    creates_lost = 40 * 60 * CREATES_PER_DAY / 86400
    shown(f"40 × 60 s × 115.74/s = {creates_lost:,.0f} creates")
    share = creates_lost / CREATES_PER_MONTH
    shown(f"which is {share:.3%} of the month's creates")
    shown(f"spends about {share / 0.001:.0%}")
    hit = load_script("cs_tinyurl_zipf_cache").static_hit_ratio(5_000_000, 100_000_000, 0.8)  # the lower optimum
    shown(f"its servers' caches hit {hit:.1%} of requests, and it takes {DNS_MOVE_S // 60} minutes for health checks and DNS")
    miss = round(1 - hit, 3)
    failed = HOME_SHARE * DNS_MOVE_S * miss
    shown(f"11,574 / 3 = {HOME_SHARE:,.0f} redirects/s")
    shown(f"{HOME_SHARE:,.0f} × {DNS_MOVE_S} s × {miss} = {failed:,.0f} failed redirects, {failed / BUDGET:.1%}")
    assert 2 * PER_REGION * PER_INSTANCE_QPS >= PEAK * AVG_READS
    shown(f"{PER_REGION} servers carry {PER_REGION * PER_INSTANCE_QPS:,} redirects/s")


def exercise_4_rates(links: int, lifetime: float = 60.0) -> tuple[float, float]:
    """Store reads/s if the top `links` codes live `lifetime` s in every server's cache: (naive, bounded).

    Naive: every server rereads every link once a lifetime. Bounded: a server rereads a link only when a request
    arrives after the entry expired, so at most min(request rate at that server, 1 / lifetime).
    """
    zipf = load_script("cs_tinyurl_zipf_cache")
    h_all = zipf.harmonic(100_000_000, 1.0)
    per_server_top = AVG_READS / SERVERS / h_all
    bounded = sum(min(per_server_top / i, 1 / lifetime) for i in range(1, links + 1)) * SERVERS
    return links * SERVERS / lifetime, bounded


def test_exercise_4():
    zipf = load_script("cs_tinyurl_zipf_cache")
    lam = AVG_READS
    naive, bounded = exercise_4_rates(1_000_000)
    assert naive > lam  # the old answer read more than the servers are asked
    assert bounded <= lam
    shown(f"1,000,000 × 45 / 60 = {naive:,.0f}\nreads/s, {naive / lam:.0f} times")
    h8, h6 = zipf.harmonic(100_000_000, 1.0), zipf.harmonic(1_000_000, 1.0)
    top = lam / SERVERS / h8
    cutoff = int(top * 60)
    shown(f"$H(10^8) = {h8:.3f}$")
    shown(f"11,574 / 45 / {h8:.3f} = {top:.2f} requests/s per server")
    shown(f"up to rank {top:.2f} × 60 = {cutoff}")
    assert int(round(top, 2) * 60) == cutoff  # the rounded figure on the page gives the same cutoff
    head = cutoff * SERVERS / 60
    tail = lam * (h6 - zipf.harmonic(cutoff, 1.0)) / h8
    assert head + tail == pytest.approx(bounded, rel=1e-6)
    shown(f"{cutoff} × 45 / 60 = {head:.0f} reads/s")
    shown(f"11,574 × ({h6:.3f} − {zipf.harmonic(cutoff, 1.0):.3f}) / {h8:.3f} =\n{tail:,.0f} reads/s")
    assert round(11574 * (round(h6, 3) - round(zipf.harmonic(cutoff, 1.0), 3)) / round(h8, 3)) == round(tail)
    shown(f"In all at most {bounded:,.0f} reads/s, {bounded / lam:.0%} of all redirects")
    month = MONTH_DAYS * 86400
    cost = bounded * 0.5 * month * RRU_PRICE
    shown(f"{bounded:,.0f} × 0.5 × {month:,} s ×\n$0.125 per million = {dollars(cost)} a month")
    c = cost_lines()
    ceiling = c["reads_uncached"]
    assert cost < ceiling
    shown(f"Caching nothing at all would\ncost {dollars(ceiling)} a month")
    increment = ceiling - c["reads"]
    assert increment < cost  # the gross figure overstates what the change adds
    shown(f"the increment is at most {dollars(ceiling)} − {dollars(c['reads'])} = {dollars(increment)} a month")
    every_link = cutoff * SERVERS / 60 + lam * (1 - zipf.harmonic(cutoff, 1.0) / h8)
    assert every_link <= lam
    shown(f"at {every_link:,.0f} reads/s, {dollars(every_link * 0.5 * month * RRU_PRICE)} a month")
    degraded, lifetime = 0.8, 60
    shown(f"{degraded} / {lifetime} = {degraded / lifetime:.1%} of the top link's requests wait")


def test_exercise_5():
    fee = 0.2 * REDIRECTS_PER_MONTH / 10_000 * 0.0100
    shown(f"= {dollars(fee)} a month")
    compute = PER_REGION * 0.15 * 730
    storage = CREATES_PER_DAY * 365 * (ITEM_BYTES + INDEX_BYTES) / 1e9 * GB_MONTH
    writes = CREATES_PER_MONTH * (REPLICA_UNITS + 1) * WRU_PRICE  # plus the key's replicated TTL delete
    shown(f"15 × $0.15 × 730 = {dollars(compute)}")
    shown(f"{CREATES_PER_DAY * 365 * (ITEM_BYTES + INDEX_BYTES) / 1e9:,.0f} GB × $0.25 = {dollars(storage)}")
    shown(f"3 × 10⁸ creates × {REPLICA_UNITS + 1} units")
    shown(f"$0.625 per million = {dollars(writes)}")
    total = compute + storage + writes
    shown(f"Total about {dollars(total)} a month")
    assert total / fee < 0.5  # "less than half"


def test_exercise_6():
    per_server = AVG_READS / SERVERS
    shown(f"{per_server:.0f} redirects/s (11,574 / 45)")
    held = 4 * 1  # 4 attempts of 1 s
    threads = round(per_server) * held
    shown(f"{round(per_server)} × {held} = {threads:,}, twice the pool of 512")
    assert threads / 512 == pytest.approx(2, abs=0.05) and 512 / per_server < 2  # saturated within two seconds
    shown(f"{round(per_server)} × 60 = {round(per_server) * 60:,} events, {round(per_server) * 60 * 200 / 1e6:.1f} MB")
    budget = 0.001 * REDIRECTS_PER_MONTH
    outage = AVG_READS * 4 * 3600
    shown(f"0.1% of 30 billion is {budget / 1e6:.0f} million events a month,\nwhile 4 hours of the whole fleet's clicks "
          f"are {outage / 1e6:.1f} million, {outage / budget:.1f} times the budget")
    shown(f"{round(per_server)} × 14,400 s = {per_server * 14_400 / 1e6:.1f} million\nevents, "
          f"{per_server * 14_400 * 200 / 1e6:.0f} MB per server")
    viral_server = (REGION_PEAK + VIRAL_QPS) / PER_REGION
    shown(f"{viral_server * 14_400 * 200 / 1e9:.1f} GB on a server carrying a viral link")
    shown(f"a server carrying a viral link handles {viral_server:,.0f}")


# --- Remaining derived numbers ------------------------------------------------------------------------------------
def test_partition_reads_and_miss_range():
    shown(f"about {3000 / 0.5:,.0f} reads of one item per\nsecond")
    zipf = load_script("cs_tinyurl_zipf_cache")
    low = 1 - zipf.static_hit_ratio(5_000_000, 100_000_000, 1.0)
    high = 1 - zipf.static_hit_ratio(5_000_000, 100_000_000, 0.8)
    shown(f"({low * 100:.0f}–{high:.0%} of its requests)")


def test_shared_tier_sanity_share():
    c = cost_lines()
    shown(f"{c['reads'] / (12 * 0.44 * 730):.0%} of\nthe tier's own cost")


def test_zipf_figure_caption_and_alt_text():
    zipf = load_script("cs_tinyurl_zipf_cache")
    curves = {}
    for alpha in zipf.ALPHAS:
        stream = zipf.zipf_requests(zipf.N_KEYS, zipf.N_REQUESTS, alpha)
        lru = [zipf.lru_hit_ratio(stream, int(f * zipf.N_KEYS)) for f in zipf.FRACTIONS]
        best = [zipf.static_hit_ratio(int(f * zipf.N_KEYS), zipf.N_KEYS, alpha) for f in zipf.FRACTIONS]
        curves[alpha] = (lru, best)
    gaps = [optimum - hit for lru, best in curves.values() for hit, optimum in zip(lru, best, strict=True)]
    shown(f"LRU sits {min(gaps) * 100:.0f} to {max(gaps) * 100:.0f} points below the optimum")
    effects = [hi - lo for k in (0, 1) for hi, lo in zip(curves[1.0][k], curves[0.8][k], strict=True)]
    shown(f"moves the\ncurves by {min(effects) * 100:.0f} to {max(effects) * 100:.0f} points")
    phrases = {
        1.0: "for Zipf exponent 1.0, the pinned-top-k optimum rises from {b0:.0%} to {b1:.0%} and simulated LRU "
             "from {l0:.0%} to {l1:.0%}",
        0.8: "for exponent 0.8, the optimum rises from {b0:.0%} to {b1:.0%} and LRU from {l0:.0%} to {l1:.0%}",
    }
    for alpha, phrase in phrases.items():
        lru, best = curves[alpha]
        shown(phrase.format(b0=best[0], b1=best[-1], l0=lru[0], l1=lru[-1]))


def test_item_size_and_binary_units():
    shown(f"so {ITEM_BYTES} bytes")
    shown(f"{INDEX_BYTES / (ITEM_BYTES + INDEX_BYTES):.0%}\nof storage")
    shown(f"about {1 - 1e9 / 2**30:.0%} lower")


# --- The create path: one transaction for the link and its key, acknowledged only once logged ---------------------
class ConflictStore:
    """An in-memory stand-in for the tables with DynamoDB's transaction semantics: TransactWriteItems is all or
    nothing; a transaction holds its two items while it commits (`commit_delay`), and another transaction touching a
    held item is cancelled with a conflict; reads see only committed items. `fail` injects faults, each used once:
    "before" (a crash or timeout before the commit), "after" (the commit happens, the answer is lost) and "log" (the
    create log is unreachable)."""

    def __init__(self, commit_delay: float = 0.0, fail=()):
        self.links: dict[str, tuple[str, str]] = {}  # code -> (url, scan state)
        self.keys: dict[str, sc.KeyRecord] = {}
        self.log: dict[str, tuple[str, str]] = {}  # code -> (key, url)
        self.held: set[tuple[str, str]] = set()
        self.fail = list(fail)
        self.delay = commit_delay
        self.mu = threading.Lock()

    def _fault(self, kinds):
        if self.fail and self.fail[0] in kinds:
            return self.fail.pop(0)
        return None

    def get_key(self, key):
        with self.mu:
            return self.keys.get(key)

    def transact_insert(self, code, url, key, fingerprint, scan="clean"):
        items = {("link", code), ("key", key)}
        with self.mu:
            fault = self._fault(("before", "after"))
            if fault == "before":
                raise TimeoutError("crashed before the commit")
            if items & self.held:
                raise sc.Cancelled({"conflict"})
            failed = {name for name, taken in (("code", code in self.links), ("key", key in self.keys)) if taken}
            if failed:
                raise sc.Cancelled(failed)
            self.held |= items
        time.sleep(self.delay)
        with self.mu:
            self.links[code] = (url, scan)
            self.keys[key] = sc.KeyRecord(code, fingerprint)
            self.held -= items
        if fault == "after":
            raise TimeoutError("committed, but the answer was lost")

    def log_create(self, key, code, url):
        with self.mu:
            if self._fault(("log",)):
                raise TimeoutError("the create log did not answer")
            self.log.setdefault(code, (key, url))


def client_create(store, key, url, **kw):
    """A client that retries on any timeout, as the API contract allows with an idempotency key."""
    for _ in range(30):  # more than the faults any test injects
        try:
            return sc.create_link(store, key, f"fp({url})", url, **kw)
        except TimeoutError:
            continue
    raise AssertionError("never succeeded")


def run_concurrently(n, target):
    barrier = threading.Barrier(n)
    answers = []

    def worker():
        barrier.wait()
        try:
            answers.append(target())
        except Exception as error:  # noqa: BLE001 - every outcome is an answer to check
            answers.append(error)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_concurrent_duplicates_all_get_the_winners_code_while_it_commits():
    """64 copies of one request against a store whose commit takes 50 ms: the copies that arrive while the winner
    holds the key are cancelled with a conflict, and must still answer with the winner's code, not an error."""
    store = ConflictStore(commit_delay=0.05)
    answers = run_concurrently(64, lambda: sc.create_link(store, "acct:k", "fp", "https://example.com/a"))
    errors = [a for a in answers if isinstance(a, Exception)]
    assert not errors, f"{len(errors)} of 64 duplicates failed: {errors[0]!r}"
    assert len(store.links) == 1 and len(store.keys) == 1
    assert {a.code for a in answers} == set(store.links) == set(store.log)
    assert sum(not a.replayed for a in answers) == 1


def test_the_last_re_read_of_the_key_is_not_thrown_away():
    """Four conflicts, then the key's owner commits just before the fifth try: the answer is the owner's code."""
    store = ConflictStore()
    outcomes = ["conflict"] * 4 + ["key"]

    def transact(code, url, key, fingerprint, scan="clean"):
        outcome = outcomes.pop(0)
        if outcome == "key":
            store.links["WINNER1"], store.keys[key] = (url, scan), sc.KeyRecord("WINNER1", fingerprint)
        raise sc.Cancelled({outcome})

    store.transact_insert = transact
    assert sc.create_link(store, "acct:k", "fp", "u") == sc.Created("WINNER1", replayed=True)


def test_answer_lost_after_commit_replays_the_same_code():
    store = ConflictStore(fail=["after"])
    checks = []
    created = client_create(store, "acct-1:k2", "https://example.com/b", check_url=lambda u: checks.append(u) or "clean")
    assert created.replayed and len(store.links) == 1
    assert store.keys["acct-1:k2"].code == created.code
    assert checks == ["https://example.com/b"]  # the reputation check ran once, not again for the replay


def test_crash_before_commit_leaves_nothing_and_the_retry_creates_one_link():
    store = ConflictStore(fail=["before"])
    with pytest.raises(TimeoutError):
        sc.create_link(store, "acct-1:k3", "fp", "https://example.com/c")
    assert store.links == {} and store.keys == {} and store.log == {}
    created = client_create(store, "acct-1:k3", "https://example.com/c")
    assert not created.replayed and len(store.links) == 1


def test_no_answer_before_the_create_log_holds_the_link():
    """The commit succeeds and the log write fails: no 201 yet; the retry logs the link and replays its code."""
    store = ConflictStore(fail=["log"])
    with pytest.raises(TimeoutError):
        sc.create_link(store, "acct-1:k7", "fp", "https://example.com/g")
    assert len(store.links) == 1 and store.log == {}  # committed but not acknowledged
    created = sc.create_link(store, "acct-1:k7", "fp", "https://example.com/g")
    assert created.replayed and store.log == {created.code: ("acct-1:k7", "https://example.com/g")}


def test_a_taken_code_draws_again_for_the_same_key():
    store = ConflictStore()
    store.links["aaaaaaa"] = ("https://someone-else.example/", "clean")
    codes = iter(["aaaaaaa", "bbbbbbb"])
    created = sc.create_link(store, "acct-1:k4", "fp", "https://example.com/d", draw=lambda: next(codes))
    assert created == sc.Created("bbbbbbb", replayed=False)
    assert store.links["aaaaaaa"] == ("https://someone-else.example/", "clean")  # never overwritten
    assert store.keys["acct-1:k4"].code == "bbbbbbb"


def test_a_reused_key_with_a_different_request_is_refused():
    store = ConflictStore()
    sc.create_link(store, "acct-1:k5", "fp-one", "https://example.com/e")
    with pytest.raises(sc.KeyReused):
        sc.create_link(store, "acct-1:k5", "fp-two", "https://example.com/other")
    assert len(store.links) == 1


def test_a_timed_out_reputation_check_reaches_the_transaction_as_pending():
    store = ConflictStore()
    created = sc.create_link(store, "acct-1:k8", "fp", "https://example.com/h", check_url=lambda url: "pending")
    assert store.links[created.code] == ("https://example.com/h", "pending")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([None, "before", "after", "log"])), min_size=1, max_size=24),
       st.integers(0, 2**32 - 1))
def test_property_one_link_per_key_under_concurrent_retries_and_faults(attempts, seed):
    """Concurrent clients on a few keys, against a store that conflicts, with crashes before and after commits and an
    unreachable log, and codes drawn from a space of 16 so collisions are common: every key ends with at most one link,
    every answer for a key names that link, every answered code is in the log, and no client gets an error."""
    store = ConflictStore(commit_delay=0.001, fail=[fault for _, fault in attempts if fault])
    rng = random.Random(seed)
    lock = threading.Lock()

    def draw():
        with lock:
            return rng.choice("abcdefghijklmnop") * 7

    targets = iter([(f"acct:{key_no}", f"https://example.com/{key_no}") for key_no, _ in attempts])
    jobs = [next(targets) for _ in attempts]
    index = iter(range(len(jobs)))

    def one_client():
        with lock:
            key, url = jobs[next(index)]
        return key, client_create(store, key, url, draw=draw, tries=20, backoff=0.002)

    answers = run_concurrently(len(jobs), one_client)
    assert not [a for a in answers if isinstance(a, BaseException)], answers
    codes_per_url: dict[str, list[str]] = {}
    for code, (url, _) in store.links.items():
        codes_per_url.setdefault(url, []).append(code)
    assert all(len(codes) == 1 for codes in codes_per_url.values())
    for key, created in answers:
        assert created.code == store.keys[key].code
        assert created.code in store.log


# --- Style rules, repetition and the corrected errors ---------------------------------------------------------------
def test_captions_do_not_open_with_notice_and_no_authoring_log():
    import re

    captions = re.findall(r":caption: (.*)", TEXT) + re.findall(r"```\{(?:plot|diagram)\}[^\n]*\n(?::[^\n]*\n)*\n([^\n]*)", TEXT)
    assert captions and not any(c.lstrip().startswith("Notice") for c in captions)
    assert "Notice that" not in TEXT
    for phrase in ("checked November", "as documented in", "did not show them", "copies we could read"):
        assert phrase not in TEXT, phrase


CORRECTED = ("270 s", "270-second", "90 + 180", "about 48", "8,000 LCUs", "AWS documents no scaling rate",
             "30,317", "41,771", "11,291", "51,823", "290 million", "nearly five times", "fails its health check",
             "200 per second per region", "invites clients to rewrite", "15,420 events, at 200 bytes each")


def test_chapter_carries_none_of_the_corrected_errors():
    for wrong in CORRECTED:
        assert wrong not in FLAT, wrong


def test_repetition_is_cut():
    """The same number told three times is two too many (WRITING.md)."""
    y1, _ = totals()
    import re

    for phrase in ("3,333", "40 + 180", dollars(y1), "694,444"):
        told = len(re.findall(r"(?<![\d,])" + re.escape(phrase) + r"(?![\d,])", FLAT))
        assert told <= 2, (phrase, told)


# --- The deck repeats the chapter's numbers, not its corrected errors ---------------------------------------------
DECK = (Path(__file__).resolve().parent.parent / "slides" / "case-studies.md").read_text(encoding="utf-8").replace("\\$", "$")
DECK_FLAT = " ".join(DECK.split())


def on_deck(s: str) -> None:
    """The phrase occurs exactly once in the deck."""
    pinned(DECK_FLAT, s)


def test_deck_carries_none_of_the_corrected_errors():
    for wrong in CORRECTED + ("48,600", "300,000 reads/s", "max-age=300`", "is* the 5-minute takedown", "18 servers",
                              "9,449", "three times everything else", "2,778", "60 s resync", "RPO ≤ 5",
                              "measured in quarterly drills", "The old design", "48 instances", "270"):
        assert wrong not in DECK, wrong


def test_deck_is_one_lecture():
    assert DECK.count("\n## ") + 1 <= 24  # slides, the title included


def test_deck_numbers_match_the_chapter():
    import re

    c = cost_lines()
    y1, y5 = totals()
    on_deck(f"**Total: {dollars(y1)}** (year 5: {dollars(y5)})")
    on_deck(f"Egress (mostly TLS): {dollars(c['egress'])}")
    on_deck(f"Compute ({SERVERS + CREATE_API}) and load balancers: {dollars(c['compute'] + c['lb'])}")
    on_deck(f"DynamoDB, storage, backups: {dollars(c['creates'] + c['reads'] + c['storage_y1'] + c['backups_y1'])}")
    on_deck(f"Web Risk: first 10 M {dollars(c['reputation'])}; {(LOOKUPS_PER_MONTH - 10_000_000) / 1e6:.0f} M more")
    on_deck(f"*CDN request fee alone: {dollars(c['cf_requests'])}*")
    on_deck(f"The total is ${y1 / (REDIRECTS_PER_MONTH / 1e6):.2f} per million redirects")
    _, bounded = exercise_4_rates(1_000_000)
    on_deck(f"at most {bounded:,.0f} reads/s, {dollars(bounded * 0.5 * MONTH_DAYS * 86400 * RRU_PRICE)} a month")
    on_deck(f"at most {dollars(c['reads_uncached'] - c['reads'])} more than today")
    on_deck(f"11,574 + 50,000 = **{REGION_PEAK + VIRAL_QPS:,.0f}/s**")
    on_deck(f"{math.ceil((REGION_PEAK + VIRAL_QPS) / 25):,} LCUs")
    on_deck(f"| **Total** | **{PULL_PERIOD_S + PULL_TIMEOUT_S + BROWSER_S} s** |")
    on_deck(f"{HOME_SHARE * DNS_MOVE_S:,.0f} redirects, {HOME_SHARE * DNS_MOVE_S / BUDGET:.0%} of a month's budget")
    on_deck(f"Cost: {dollars(c['backups_y1'])} a month in year 1, {dollars(c['backups_y5'])} in year 5")
    ex1 = 200_000 + REGION_PEAK
    on_deck(f"reserve {math.ceil(ex1 / 25):,} LCUs a day ahead, about ${math.ceil(ex1 / 25) * 0.008 + 30 * 0.15:.0f}")
    # A deck's diagram is the chapter's, or a slide-sized cut of it (AUTHORING.md, "Figures on slides") whose every
    # number is one the chapter states, and whose notes point to the full figure.
    def bodies(text):
        return [re.sub(r"^:.*\n", "", b, flags=re.M) for b in re.findall(r"```\{mermaid\}\n(.*?)```", text, re.S)]
    for body in bodies(DECK):
        if body not in bodies(TEXT):
            invented = [n for n in re.findall(r"\d[\d,.]*\d|\d", body) if n not in TEXT]
            assert not invented, f"a deck diagram has numbers the chapter does not: {invented}"
    assert DECK.count("The slide shows the essential steps; the chapter's figure") == sum(b not in bodies(TEXT) for b in bodies(DECK))
