"""The best one-to-one assignment of a file's columns to a dataset's fields (the Hungarian method).

First come, first served would give a field to the first column that looks like it (``電話`` and
``電話番号`` both phone-like); the optimal assignment maximises the total score of all pairs.
"""

from __future__ import annotations

from collections.abc import Sequence


def best_assignment(scores: Sequence[Sequence[float]], *, minimum: float = 0.0) -> list[tuple[int, int]]:
    """Pairs ``(row, column)`` of ``scores`` (rows: file columns, columns: fields) maximising the sum of
    scores, each row and each column used at most once; pairs scoring below ``minimum`` are left out."""
    n_rows = len(scores)
    n_cols = len(scores[0]) if n_rows else 0
    if not n_rows or not n_cols:
        return []
    size = max(n_rows, n_cols)
    top = max(max(row) for row in scores)
    # minimise cost = top - score on a square matrix (padding costs top: an unassigned pair)
    cost = [[top - (scores[i][j] if i < n_rows and j < n_cols else 0.0) for j in range(size)] for i in range(size)]
    u = [0.0] * (size + 1)
    v = [0.0] * (size + 1)
    match = [0] * (size + 1)  # match[column] = row (1-based; 0 = free)
    way = [0] * (size + 1)
    for i in range(1, size + 1):
        match[0] = i
        j0 = 0
        low = [float("inf")] * (size + 1)
        used = [False] * (size + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = match[j0], float("inf"), 0
            for j in range(1, size + 1):
                if not used[j]:
                    current = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if current < low[j]:
                        low[j], way[j] = current, j0
                    if low[j] < delta:
                        delta, j1 = low[j], j
            for j in range(size + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    low[j] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    pairs = []
    for j in range(1, size + 1):
        i = match[j]
        if i and i <= n_rows and j <= n_cols and scores[i - 1][j - 1] >= minimum and scores[i - 1][j - 1] > 0:
            pairs.append((i - 1, j - 1))
    return sorted(pairs)
