"""Tests for the TinyURL case study: the shortcode listing's behaviour, and every formula number in the chapter."""
from __future__ import annotations

import importlib.util
import math
import random
import secrets
from pathlib import Path

import pytest
from listings import chapter_text, load_listing

sc = load_listing("case-studies/code/shortcode.py")
TEXT = chapter_text("case-studies/tinyurl.md")
DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"


def load_script(name: str):
    """Import a figure script by path without running its main()."""
    spec = importlib.util.spec_from_file_location(f"figure_{name}", DIAGRAMS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shown(s: str) -> None:
    assert s in TEXT, f"{s!r} not found in the chapter"


def dollars(x: float) -> str:
    return f"${x:,.0f}"


# --- The chapter's inputs -------------------------------------------------------------------------------------
CREATES_PER_DAY = 10_000_000
READS_PER_DAY = 100 * CREATES_PER_DAY
PEAK = 3
DAYS_5Y = 365 * 5
LINKS_5Y = CREATES_PER_DAY * DAYS_5Y
ITEM_BYTES = 300 + 100 + 48  # attributes + DynamoDB per-item overhead + global-table overhead
INDEX_BYTES = 150
RESPONSE_BYTES = 1000
MONTH_DAYS = 30
N7 = sc.keyspace(7)
REGIONS = 3
SERVERS = 18
PER_INSTANCE_QPS = 5000
WRU_PRICE, RRU_PRICE, GB_MONTH = 0.625e-6, 0.125e-6, 0.25
MISS = 0.6
REDIRECTS_PER_MONTH = READS_PER_DAY * MONTH_DAYS
CREATES_PER_MONTH = CREATES_PER_DAY * MONTH_DAYS


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
    assert hits / trials == pytest.approx(sc.collision_probability(n, space), abs=0.03)


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
    shown(f"{CREATES_PER_DAY / 86400:.1f} creates/s")
    shown(f"{PEAK * CREATES_PER_DAY / 86400:,.0f} creates/s")
    shown(f"{READS_PER_DAY / 86400:,.0f} redirects/s")
    shown(f"{PEAK * READS_PER_DAY / 86400:,.0f} redirects/s")
    shown(f"{LINKS_5Y / 1e9:.2f} billion links")


def test_storage_and_bandwidth_in_text():
    shown(f"{LINKS_5Y * ITEM_BYTES / 1e12:.1f} TB per\nreplica")
    shown(f"{CREATES_PER_DAY * 30 * ITEM_BYTES / 1e9:.0f} GB per 30-day month")
    avg = READS_PER_DAY / 86400 * RESPONSE_BYTES
    shown(f"{avg / 1e6:.1f} MB/s = {avg * 8 / 1e6:.0f} Mbit/s")
    shown(f"{PEAK * avg * 8 / 1e6:.0f} Mbit/s at peak")


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
    assert sc.keyspace(6) / (CREATES_PER_DAY * 365) == pytest.approx(15.56, abs=0.01)  # "runs out in year 16"


def test_birthday_numbers_in_text():
    half = sc.draws_for_probability(0.5, N7)
    shown(f"{math.sqrt(2 * math.log(2)):.2f}\\sqrt{{N}}")
    shown(f"{half / 1e6:.2f} million")
    shown(f"{half / CREATES_PER_DAY * 24:.1f} hours")
    shown(f"{sc.expected_colliding_pairs(CREATES_PER_DAY, N7):.1f} colliding pairs")
    shown(f"{sc.expected_colliding_pairs(LINKS_5Y, N7) / 1e6:.1f} million")
    eight_half_days = sc.draws_for_probability(0.5, sc.keyspace(8)) / CREATES_PER_DAY
    assert 1 < eight_half_days < 2  # "pass 50% before the end of the second day"


def test_retries_equal_colliding_pairs():
    """Sum over creates of the chance of hitting a taken code equals the expected colliding pairs."""
    retries = LINKS_5Y * (LINKS_5Y - 1) / 2 / N7
    assert retries == pytest.approx(sc.expected_colliding_pairs(LINKS_5Y, N7))
    shown(f"{sc.expected_attempts(LINKS_5Y, N7):.4f} after five years")
    shown("about 47.3 million")
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
    per_server = 50_000 / SERVERS
    shown(f"{per_server:,.0f} requests/s per server")
    shown(f"about {per_server * 0.005:.0f}\nrequests per server")
    shown(f"{per_server * 0.8:,.0f} requests per server pile up")
    shown(f"about {per_server * 0.8:,.0f} reads in flight per server")


# --- Caching ------------------------------------------------------------------------------------------------------
def test_zipf_static_optimum_numbers():
    zipf = load_script("cs_tinyurl_zipf_cache")
    n = 100_000_000
    for alpha, k in ((1.0, 5_000_000), (0.8, 5_000_000), (1.0, 30_000_000), (0.8, 30_000_000)):
        shown(f"{zipf.static_hit_ratio(k, n, alpha):.1%}")
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


def test_lru_never_beats_the_pinned_optimum_by_much_and_grows_with_size():
    zipf = load_script("cs_tinyurl_zipf_cache")
    stream = zipf.zipf_requests(20_000, 60_000, 1.0, seed=3)
    ratios = [zipf.lru_hit_ratio(stream, c, warmup=20_000) for c in (20, 200, 2000)]
    assert ratios == sorted(ratios)


def test_denylist_and_working_set():
    shown(f"about {100_000 * 25 / 24 / 1000:.0f},000 codes")
    shown(f"{5_000_000 * 300 / 1e9:.1f} GB at an assumed 300 bytes per entry")
    shown(f"{100_000_000 * 300 / 1e9:.0f} GB working set")


# --- Cost ---------------------------------------------------------------------------------------------------------
def cost_lines() -> dict[str, float]:
    egress_gb = REDIRECTS_PER_MONTH * RESPONSE_BYTES / 1e9
    return {
        "writes": CREATES_PER_MONTH * 2 * REGIONS * WRU_PRICE,
        "reads": REDIRECTS_PER_MONTH * MISS * 0.5 * RRU_PRICE,
        "reads_uncached": REDIRECTS_PER_MONTH * 0.5 * RRU_PRICE,
        "storage_y1": CREATES_PER_DAY * 365 * (ITEM_BYTES + INDEX_BYTES) / 1e9 * REGIONS * GB_MONTH,
        "storage_y5": LINKS_5Y * (ITEM_BYTES + INDEX_BYTES) / 1e9 * REGIONS * GB_MONTH,
        "compute": SERVERS * 0.15 * 730,
        "lb": 1000.0,
        "egress": (10_000 - 100) * 0.09 + (egress_gb - 10_000) * 0.085,
        "cf_requests": (REDIRECTS_PER_MONTH - 10_000_000) / 10_000 * 0.0100,
        "cf_data": 9_000 * 0.085 + (egress_gb - 10_000) * 0.080,
    }


def test_cost_table_lines():
    c = cost_lines()
    shown(f"{CREATES_PER_MONTH * 2 * REGIONS / 1e9:.1f} billion units × $0.625/M | {dollars(c['writes'])}")
    shown(f"= {REDIRECTS_PER_MONTH * MISS * 0.5 / 1e9:.0f} billion units × $0.125/M | {dollars(c['reads'])}")
    shown(f"{CREATES_PER_DAY * 365 * (ITEM_BYTES + INDEX_BYTES) / 1e9:,.0f} GB × 3 regions × $0.25 | {dollars(c['storage_y1'])}")
    shown("(448 + 150 index) B")
    shown(f"{LINKS_5Y * (ITEM_BYTES + INDEX_BYTES) / 1e9:,.0f} GB × 3 regions × $0.25 | {dollars(c['storage_y5'])}")
    shown(f"18 instances × $0.15 × 730 h | {dollars(c['compute'])}")
    shown(f"9,900 GB × $0.09 + 20,000 GB × $0.085 | {dollars(c['egress'])}")
    shown(f"× $0.0100 | *{dollars(c['cf_requests'])}*")
    shown(f"*{dollars(c['cf_data'])}*")


def test_cost_totals_and_ratios():
    c = cost_lines()
    base = c["writes"] + c["reads"] + c["compute"] + c["lb"] + c["egress"]
    y1, y5 = base + c["storage_y1"], base + c["storage_y5"]
    shown(f"**{dollars(y1)} / {dollars(y5)}**")
    with_cdn = y1 - c["egress"] + c["cf_requests"] + c["cf_data"]
    shown(f"*{dollars(with_cdn)}*")
    per_million = y1 / (REDIRECTS_PER_MONTH / 1e6)
    shown(f"${per_million:.2f} per million redirects")
    assert 1.00 / per_million == pytest.approx(3.2, abs=0.1)  # "three times the rest of the system"
    shown(f"owner index is {INDEX_BYTES / (ITEM_BYTES + INDEX_BYTES):.0%}")
    assert c["storage_y1"] * 2 > c["compute"] > c["storage_y1"]  # storage passes compute in year 2
    assert c["storage_y5"] / y5 == pytest.approx(0.51, abs=0.01)  # "half the bill by year 5"
    shown(f"{dollars(y1)} a month in year 1")
    shown(f"{dollars(y5)} in year 5")


def test_shared_cache_worked_example():
    c = cost_lines()
    shown(f"12 × 0.44 × 730 = {dollars(12 * 0.44 * 730)}")
    shown(f"30 × 10⁹ × 0.6 = 1.8 × 10¹⁰, costing {REDIRECTS_PER_MONTH * MISS * 0.5 / 1e9:.0f} billion read units")
    shown(f"{REDIRECTS_PER_MONTH * 0.5 / 1e10:.1f} × 10¹⁰ read units, {dollars(c['reads_uncached'])}")
    shown(f"the same reads cost {dollars(100 * c['reads'])}")


def test_cdn_request_fee_is_one_dollar_per_million():
    assert 1_000_000 / 10_000 * 0.0100 == pytest.approx(1.00)
    shown("$1.00 per million HTTPS requests")


# --- Regions, SLOs, abuse -----------------------------------------------------------------------------------------
def test_fleet_sizing():
    per_region = PEAK * READS_PER_DAY / 86400 / 2
    instances = math.ceil(per_region / PER_INSTANCE_QPS)
    assert instances == 4 and (instances + 2) * REGIONS == SERVERS
    shown(f"half of the global peak, {per_region:,.0f}\nredirects/s")


def test_error_budget_and_burn_rates():
    shown(f"{REDIRECTS_PER_MONTH * 1e-4:,.0f} failed\nredirects, or {30 * 24 * 60 * 1e-4:.2f} minutes")
    shown(f"0.02 × 720 h / 1 h = {0.02 * 720 / 1:.1f}")
    shown(f"error ratio above {14.4 * 1e-4:.3%}")
    assert 0.05 * 720 / 6 == pytest.approx(6)
    shown("6× over six hours (5% of the budget)")
    assert 0.10 * 720 / 72 == pytest.approx(1)  # SRE workbook ticket: 10% of the budget over three days is burn rate 1
    shown("1× over three days (10% of the budget)")


def test_enumeration_numbers():
    shown(f"about {1000 * LINKS_5Y / N7:.1f} live links per 1,000 random guesses")
    shown(f"{1000 * LINKS_5Y / N7:.1f} of every 1,000 random seven-character guesses")
    n12 = sc.keyspace(12)
    mantissa, exponent = f"{n12:.1e}".split("e+")
    shown(f"62^{{12}} \\approx {mantissa} \\times 10^{{{int(exponent)}}}")
    m2, e2 = f"{LINKS_5Y / n12:.1e}".split("e-")
    shown(f"{m2} \\times 10^{{-{int(e2)}}}")


# --- 10x and 100x -------------------------------------------------------------------------------------------------
def test_ten_times():
    shown(f"Creates average {10 * CREATES_PER_DAY / 86400:,.0f}/s and peak at\n{30 * CREATES_PER_DAY / 86400:,.0f}/s")
    shown(f"redirects average {10 * READS_PER_DAY / 86400:,.0f}/s and peak at {30 * READS_PER_DAY / 86400:,.0f}/s")
    occ = 10 * LINKS_5Y / N7
    shown(f"fill {occ:.2%} of the\nseven-character space")
    shown(f"{sc.expected_attempts(10 * LINKS_5Y, N7):.3f} tries")
    shown(f"{10 * LINKS_5Y * (ITEM_BYTES + INDEX_BYTES) / 1e12:.1f} TB per replica")
    shown(dollars(10 * LINKS_5Y * (ITEM_BYTES + INDEX_BYTES) / 1e9 * REGIONS * GB_MONTH) + " a month")
    assert 30 * READS_PER_DAY / 86400 > 250_000  # above CloudFront's default per-distribution quota


def test_hundred_times():
    links = 100 * LINKS_5Y
    shown(f"{links / 1e12:.3f} trillion links, {links / N7:.1%} of the seven-character space")
    assert 1 / (1 - links / N7) == pytest.approx(2.07, abs=0.01)  # "about two tries"
    shown(f"with $k = 8$: {links / sc.keyspace(8):.2%} used")
    shown(f"{links * (ITEM_BYTES + INDEX_BYTES) / 1e15:.1f} PB per replica")
    shown(f"about ${links * (ITEM_BYTES + INDEX_BYTES) / 1e9 * REGIONS * GB_MONTH / 1000:,.0f},000 a month for three replicas")


# --- Exercises ----------------------------------------------------------------------------------------------------
def test_exercise_1():
    shown(f"200,000 / 6 = {200_000 / 6:,.0f} redirects/s, {200_000 / 6 / PER_INSTANCE_QPS:.1f}×")
    shown(f"200,000 / 5,000 = {200_000 // PER_INSTANCE_QPS} instances")
    assert 40 * 1.2 == 48
    shown(f"200,000 × 600 s = {200_000 * 600 / 1e6:.0f} million requests")
    shown(f"that is {dollars(200_000 * 600 / 10_000 * 0.0100)}")


def test_exercise_2():
    shown(f"colliding pairs is {sc.expected_colliding_pairs(CREATES_PER_DAY, N7):.1f}")
    shown(f"roughly {CREATES_PER_DAY * LINKS_5Y / N7:,.0f} a day")


def test_exercise_3():
    creates_lost = 40 * 60 * CREATES_PER_DAY / 86400
    shown(f"40 × 60 s × 115.74/s = {creates_lost:,.0f} creates")
    share = creates_lost / CREATES_PER_MONTH
    shown(f"which is {share:.3%} of the month's creates")
    shown(f"spends about {share / 0.001:.0%}")
    home = READS_PER_DAY / 86400 / 3
    miss = 0.461
    failed = home * 180 * miss
    shown(f"11,574 / 3 = {home:,.0f} redirects/s")
    shown(f"{home:,.0f} × 180 s × 0.461 = {failed:,.0f} failed redirects, {failed / 3e6:.1%}")


def test_exercise_4():
    reads = 1_000_000 * SERVERS / 60
    shown(f"1,000,000 × 18 / 60 = {reads:,.0f} reads/s")
    units = reads * 0.5
    shown(f"{units:,.0f} units/s")
    monthly = units * MONTH_DAYS * 86400
    mantissa, exponent = f"{monthly:.3e}".split("e+")
    shown(f"{mantissa} × 10¹¹ units a month, {dollars(monthly * RRU_PRICE)}")
    assert int(exponent) == 11


def test_exercise_5():
    fee = 0.2 * REDIRECTS_PER_MONTH / 10_000 * 0.0100
    shown(f"= {dollars(fee)} a month")
    compute = 6 * 0.15 * 730
    storage = CREATES_PER_DAY * 365 * (ITEM_BYTES + INDEX_BYTES) / 1e9 * GB_MONTH
    writes = CREATES_PER_MONTH * 2 * WRU_PRICE
    shown(f"6 × $0.15 × 730 = {dollars(compute)}")
    shown(f"{CREATES_PER_DAY * 365 * (ITEM_BYTES + INDEX_BYTES) / 1e9:,.0f} GB × $0.25 = {dollars(storage)}")
    shown(f"$0.625 per million = {dollars(writes)}")
    total = compute + storage + writes
    shown(f"Total about {dollars(total)} a month")
    assert total / fee == pytest.approx(0.26, abs=0.01)  # "about a quarter"


def test_exercise_6():
    per_server = READS_PER_DAY / 86400 / SERVERS
    assert round(per_server) == 643
    shown(f"643 × 4 = {643 * 4:,}")
    assert 643 * 4 / 512 == pytest.approx(5.0, abs=0.05)
    shown(f"643 × 60 = {643 * 60:,} events")
    shown(f"about {643 * 60 * 200 / 1e6:.1f} MB per server")


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


def test_largest_line_item_share():
    c = cost_lines()
    y1 = c["writes"] + c["reads"] + c["compute"] + c["lb"] + c["egress"] + c["storage_y1"]
    largest = max(c["writes"], c["reads"], c["compute"], c["lb"], c["egress"], c["storage_y1"])
    assert largest == c["egress"]
    shown(f"no line item above about\n{largest / y1 * 100:.0f}% of it")


def test_item_size_and_binary_units():
    assert ITEM_BYTES == 448
    shown("so 448 bytes")
    shown(f"{INDEX_BYTES / (ITEM_BYTES + INDEX_BYTES):.0%}\nof storage")
    assert 1 - 1e9 / 2**30 == pytest.approx(0.07, abs=0.005)  # decimal vs binary GB
    shown("about 7% lower")
