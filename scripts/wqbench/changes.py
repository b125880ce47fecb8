"""Change points in a benchmark's history: where a series of runs shifted, and by how much.

E-divisive means (Matteson & James, "A Nonparametric Approach for Multiple Change Point Analysis of
Multivariate Data", JASA 2014 — the method of MongoDB's signal-processing-algorithms and Apache
Otava), written here: the split of a segment that maximises the energy statistic

    Q(τ) = m·n/(m+n) · [ 2/(m·n) Σ|x_i − y_j| − 1/C(m,2) Σ|x_i − x_k| − 1/C(n,2) Σ|y_j − y_k| ]

(x the m points before τ, y the n from it on; α = 1: a shift of the mean), tested against the same
statistic over random permutations of the segment (p = (1 + permutations at least as large) /
(1 + permutations)); a significant split is kept and both halves searched again, until none is.
A kept change point must also be large enough (the relative shift of the medians either side, at
least min_shift) and persist (min_run points either side): single outliers are not changes.
Deterministic: the permutations' generator is seeded from the series itself.

Standard library only; the policy's [history] table (bench/regression-policy.toml) sets alpha,
permutations, min_shift, min_run and recent.
"""
import random
import statistics
from dataclasses import dataclass


@dataclass
class Settings:
    alpha: float = 0.01        # the permutation test's level, per split
    permutations: int = 199
    min_shift: float = 0.05    # relative shift of the medians either side
    min_run: int = 3           # points either side of a change point (persistence)
    power: float = 1.0         # α of the energy distance, in (0, 2]


@dataclass
class Change:
    index: int       # the first point of the new level
    before: float    # median of the segment before it (up to the previous change point)
    after: float     # median of the segment from it (up to the next change point)
    p_value: float

    @property
    def shift(self):
        return (self.after - self.before) / self.before if self.before else float("inf")


def _prefix_sums(values, power):
    """S[i][j] = Σ_{a<i, b<j} |x_a − x_b|^power: any block of the distance matrix in O(1)."""
    n = len(values)
    sums = [[0.0] * (n + 1) for _ in range(n + 1)]
    for i in range(n):
        row_total = 0.0
        above, here = sums[i], sums[i + 1]
        for j in range(n):
            row_total += abs(values[i] - values[j]) ** power
            here[j + 1] = above[j + 1] + row_total
    return sums


def _block(sums, r0, r1, c0, c1):
    return sums[r1][c1] - sums[r0][c1] - sums[r1][c0] + sums[r0][c0]


def best_split(values, min_run, power=1.0):
    """(τ, Q(τ)) maximising the energy statistic over splits leaving min_run points either side;
    (None, 0) when the segment is too short."""
    n = len(values)
    if n < 2 * min_run:
        return None, 0.0
    sums = _prefix_sums(values, power)
    best, best_q = None, 0.0
    for tau in range(min_run, n - min_run + 1):
        m, k = tau, n - tau
        cross = _block(sums, 0, tau, tau, n) / (m * k)
        within_left = _block(sums, 0, tau, 0, tau) / (m * (m - 1)) if m > 1 else 0.0
        within_right = _block(sums, tau, n, tau, n) / (k * (k - 1)) if k > 1 else 0.0
        q = m * k / n * (2 * cross - within_left - within_right)
        if best is None or q > best_q:
            best, best_q = tau, q
    return best, best_q


def _significance(values, observed, settings, generator):
    """The permutation test's p for a segment whose best split scored `observed`."""
    shuffled, at_least = list(values), 0
    for _ in range(settings.permutations):
        generator.shuffle(shuffled)
        # The same split of the same values sums its distances in another order: equal up to
        # rounding, and it must count as "at least as large".
        if best_split(shuffled, settings.min_run, settings.power)[1] >= observed * (1 - 1e-9):
            at_least += 1
    return (1 + at_least) / (1 + settings.permutations)


def change_points(values, settings=Settings()):
    """The change points of a series (sorted by index)."""
    values = [float(v) for v in values]
    generator = random.Random(repr(values))
    found = {}  # index -> p
    segments = [(0, len(values))]
    while segments:
        start, end = segments.pop()
        tau, q = best_split(values[start:end], settings.min_run, settings.power)
        if tau is None or q <= 0:
            continue
        p = _significance(values[start:end], q, settings, generator)
        if p > settings.alpha:
            continue
        found[start + tau] = p
        segments += [(start, start + tau), (start + tau, end)]
    # Each kept point must shift the medians of its neighbouring segments by min_shift; dropping
    # one merges its neighbours, so re-check until none is dropped.
    indices = sorted(found)
    while True:
        bounds = [0] + indices + [len(values)]
        changes = [Change(index, statistics.median(values[bounds[i]:index]),
                          statistics.median(values[index:bounds[i + 2]]), found[index])
                   for i, index in enumerate(indices)]
        small = [c.index for c in changes if abs(c.shift) < settings.min_shift]
        if not small:
            return changes
        weakest = min(small, key=lambda index: abs(next(c.shift for c in changes
                                                       if c.index == index)))
        indices.remove(weakest)
