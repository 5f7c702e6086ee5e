"""The best one-to-one assignment of a file's columns to a dataset's fields (the Hungarian method).

First come, first served would give a field to the first column that looks like it (``電話`` and
``電話番号`` both phone-like); the optimal assignment maximises the total score of all pairs.

Cost stays small on very wide files: only each field's ``k`` best columns can matter (``k`` = the number
of fields: if a field took a column outside its ``k`` best, one of those would be free and at least as
good), and the method runs on the rectangular matrix with the smaller side as rows, O(n²·m), never
padded to a square.
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
    rows = _candidates(scores, n_rows, n_cols, minimum)
    cols = [j for j in range(n_cols) if any(scores[i][j] >= minimum and scores[i][j] > 0 for i in rows)]
    if not rows or not cols:
        return []
    matrix = [[scores[i][j] for j in cols] for i in rows]
    if len(rows) <= len(cols):
        pairs = [(rows[a], cols[b]) for a, b in _hungarian(matrix)]
    else:
        flipped = [list(column) for column in zip(*matrix, strict=True)]
        pairs = [(rows[a], cols[b]) for b, a in _hungarian(flipped)]
    return sorted((i, j) for i, j in pairs if scores[i][j] >= minimum and scores[i][j] > 0)


def _candidates(scores: Sequence[Sequence[float]], n_rows: int, n_cols: int, minimum: float) -> list[int]:
    """The rows among some column's ``n_cols`` best that score at least ``minimum`` there."""
    keep: set[int] = set()
    for j in range(n_cols):
        ranked = sorted((i for i in range(n_rows) if scores[i][j] >= minimum and scores[i][j] > 0),
                        key=lambda i: -scores[i][j])
        keep.update(ranked[:n_cols])
    return sorted(keep)


def _hungarian(scores: list[list[float]]) -> list[tuple[int, int]]:
    """Maximum-score assignment of every row to a distinct column (rows ≤ columns), as ``(row, column)``."""
    n, m = len(scores), len(scores[0])
    top = max(max(row) for row in scores)
    cost = [[top - x for x in row] for row in scores]
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    match = [0] * (m + 1)  # match[column] = row (1-based; 0 = free)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        match[0] = i
        j0 = 0
        low = [float("inf")] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = match[j0], float("inf"), 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    current = row[j - 1] - u[i0] - v[j]
                    if current < low[j]:
                        low[j], way[j] = current, j0
                    if low[j] < delta:
                        delta, j1 = low[j], j
            for j in range(m + 1):
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
    return [(match[j] - 1, j - 1) for j in range(1, m + 1) if match[j]]
