"""The column assignment is optimal: checked against brute force on random matrices of every shape."""

from __future__ import annotations

import itertools
import random

import pytest

from itsutsuboshi.converters.assign import best_assignment


def _brute(scores: list[list[float]], minimum: float) -> float:
    n, m = len(scores), len(scores[0])
    best = 0.0
    small, large = (n, m) if n <= m else (m, n)
    for chosen in itertools.permutations(range(large), small):
        total = 0.0
        for a, b in enumerate(chosen):
            x = scores[a][b] if n <= m else scores[b][a]
            total += x if x >= minimum and x > 0 else 0.0
        best = max(best, total)
    return best


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (5, 1), (3, 3), (4, 6), (6, 4), (7, 3), (2, 7)])
def test_optimal_on_random_matrices(shape: tuple[int, int]) -> None:
    rng = random.Random(hash(shape))
    for _ in range(30):
        scores = [[rng.choice([0.0, 0.0, 0.3, 0.5, 0.85, 0.9, 1.0]) for _ in range(shape[1])]
                  for _ in range(shape[0])]
        pairs = best_assignment(scores, minimum=0.4)
        assert len({i for i, _ in pairs}) == len(pairs) == len({j for _, j in pairs})
        assert all(scores[i][j] >= 0.4 for i, j in pairs)
        assert sum(scores[i][j] for i, j in pairs) == pytest.approx(_brute(scores, 0.4))


def test_best_of_two_lookalikes() -> None:
    # 電話 fits only the phone field; 電話番号 fits phone and fax a little: both fields get a column
    scores = [[0.9, 0.0], [1.0, 0.5]]
    assert best_assignment(scores, minimum=0.4) == [(0, 0), (1, 1)]


def test_wide_file_stays_fast() -> None:
    """5,000 columns against 40 fields: pruned to each field's best candidates, never a 5,000² square."""
    rng = random.Random(5)
    scores = [[rng.choice([0.0] * 20 + [0.5, 0.9, 1.0]) for _ in range(40)] for _ in range(5000)]
    pairs = best_assignment(scores, minimum=0.4)
    assert len(pairs) == 40
    assert sum(scores[i][j] for i, j in pairs) == pytest.approx(40.0)


def test_empty() -> None:
    assert best_assignment([]) == []
    assert best_assignment([[0.0, 0.0]], minimum=0.4) == []
