"""Duplicate and near-duplicate articles: which stories a corpus holds more than once.

Why: scraped corpora are full of syndication. One agency story reaches a corpus through
several outlets, each of which may keep it verbatim, give it its own headline, add or trim a
sentence, or wrap it in different boilerplate. Publishing every copy clutters the site and the
search index, so ingest needs to know which articles are copies of which, and which copy to
keep. This module only answers that question; callers decide what to do with the answer.

Method:

* Text is normalised (NFKC, casefolded, reduced to its ``\\w+`` words joined by single spaces),
  so whitespace, case and punctuation never make two copies differ.
* Exact duplicates are candidates with the same normalised text. They are found with a dict
  and only one of them (a representative) goes on to the near-duplicate search.
* Near duplicates are found on word 5-shingles (every run of five consecutive words).
  Each shingle gets a 64-bit fingerprint computed in numpy from per-word BLAKE2b hashes, so
  nothing depends on Python's per-process ``hash()`` seed. A ``datasketch.MinHash``
  (``num_perm=128``, fixed seed) of each representative's shingles goes into a
  ``datasketch.MinHashLSH`` index whose banding is chosen so that a pair at exactly the
  threshold becomes a candidate with probability >= 0.999 (for 0.8: 25 bands of 5 rows).
  LSH only proposes pairs; each proposed pair is confirmed with the **exact** Jaccard
  similarity of the two shingle-fingerprint sets, not with the MinHash estimate, whose
  standard error at J = 0.8 with 128 permutations (about 0.035) would make the decision
  flicker around the threshold. The cost of exact confirmation is proportional to the
  number of proposed pairs, which for news text is small (same-topic stories rarely share
  five-word runs).
* Confirmed pairs are joined transitively with union-find: if A ~ B and B ~ C, then A, B and C
  form one group even when A and C alone fall below the threshold (a story edited twice).
* Texts with fewer than ``MIN_WORDS`` (20) words only match exactly: their shingle sets are
  too small for a Jaccard score to mean "same story" rather than "same stock phrase". Texts
  with no words at all are never grouped: there is nothing to compare.
* ``keep`` is the member with the smallest ``(rank, key)``; ``others`` are sorted by key and
  groups by ``keep``. Nothing depends on input order, Python's hash seed or process state.

Threshold: the minimum Jaccard similarity between two articles' sets of word 5-shingles,
|A ∩ B| / |A ∪ B|. Inserting k words into the middle of an n-word text adds k + 4 shingles
and breaks 4, so J = (n - 4) / (n + k + 4): with 0.8, a ~500-word story still matches a copy
carrying up to ~115 extra words (a paragraph, or a new headline and a few sentences), while a
200-word one tolerates ~40. Raise the threshold to demand closer copies. Different
stories on the same topic share names and stock phrases but very few five-word runs, and
score far below (typically < 0.1).

Performance: 10,000 candidates of ~500 words each (9,000 distinct texts plus 1,000
near-duplicates) take 3.5-3.9 s (four runs) on the project's 2-core machine while other jobs
kept it at a load of ~1.5 (Python 3.11, numpy 2.4, datasketch 2.0.0), measured with::

    .venv/bin/python -c "import time, random; from broadsheet.ingest.duplicates import \\
    Candidate, find_duplicates; r = random.Random(0); v = [f'w{i}' for i in range(20000)]; \\
    t = [' '.join(r.choices(v, k=500)) for _ in range(9000)]; \\
    t += [x + ' one more closing sentence here' for x in t[:1000]]; \\
    c = [Candidate(str(i), x, (i,)) for i, x in enumerate(t)]; s = time.perf_counter(); \\
    g = find_duplicates(c); print(len(g), round(time.perf_counter() - s, 2))"

The time goes to tokenising, the per-document ``MinHash.update_batch`` and LSH inserts and
queries, each linear in the corpus; there is no loop over pairs of documents.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from broadsheet.parallel import parallel_map

NUM_PERM = 128
SEED = 1  # fixed so that MinHash permutations, and hence LSH candidates, are reproducible
SHINGLE = 5
MIN_WORDS = 20
# LSH must not be the thing that decides: a pair at exactly the threshold should reach the
# exact check almost always, since a missed pair silently publishes a duplicate.
_LSH_RECALL = 0.999

_WORD = re.compile(r"\w+")
# An odd 64-bit multiplier for the polynomial that combines five word hashes into one.
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Candidate:
    key: str  # identifies the article: a raw file name, a content id
    text: str  # its cleaned body
    rank: tuple  # smaller wins the choice of which copy to keep


@dataclass(frozen=True)
class Group:
    keep: str
    others: tuple[str, ...]
    exact: bool  # every member has the same normalised text


def words(text: str) -> list[str]:
    """The text's casefolded words: equal for copies that differ only in whitespace, case,
    punctuation or Unicode compatibility forms (e.g. non-breaking spaces, ligatures)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def normalise(text: str) -> str:
    """The text as exact-duplicate detection sees it: its words() joined by single spaces."""
    return " ".join(words(text))


def _word_hash(word: str) -> int:
    # BLAKE2b rather than hash(): str hashes change with PYTHONHASHSEED from run to run.
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def _splitmix(h: np.ndarray) -> np.ndarray:
    # The polynomial alone is linear in the word hashes; the finaliser spreads its bits so
    # that the low 32 bits handed to MinHash are as good as the high ones.
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _shingles(word_hashes: np.ndarray) -> np.ndarray:
    """Sorted unique 64-bit fingerprints of every run of SHINGLE consecutive words."""
    n = len(word_hashes) - SHINGLE + 1
    h = word_hashes[:n].copy()
    for k in range(1, SHINGLE):
        h = h * _MIX + word_hashes[k : k + n]  # wraps mod 2**64, as intended
    return np.unique(_splitmix(h))


@lru_cache(maxsize=1 << 17)  # a corpus has far fewer distinct words than words
def _cached_word_hash(word: str) -> int:
    return _word_hash(word)


@lru_cache(maxsize=1)
def _template() -> MinHash:
    # One seeded template; copy() reuses its permutations instead of re-drawing 128 of them
    # from a fresh RandomState per document.
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int)


Prepared = tuple[bytes | None, np.ndarray | None, np.ndarray | None]


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _prepare(text: str) -> Prepared:
    """A digest of the text's normalised form (None when it has no words), and, when it is
    long enough for near duplicates, its sorted shingle fingerprints and MinHash values.
    The digest, not the form: what crosses between processes, and what a memo keeps, stays
    small."""
    ws = words(text)
    if len(ws) < MIN_WORDS:
        return (_digest(" ".join(ws)) if ws else None), None, None
    hashes = np.fromiter(map(_cached_word_hash, ws), np.uint64, len(ws))
    sh = _shingles(hashes)
    m = _template().copy()
    # MinHash works on 32-bit input hashes; fold the 64-bit fingerprints.
    m.update_batch(((sh ^ (sh >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).tolist())
    return _digest(" ".join(ws)), sh, m.hashvalues


def _prepared(texts: list[str], jobs: int, memo: dict[bytes, Prepared] | None
              ) -> list[Prepared]:
    """_prepare of every text, on the process pool when it pays; texts memo holds (by their
    digest) are not prepared again, and the others are added to it."""
    if memo is None:
        return parallel_map(_prepare, texts, jobs, chunksize=64)
    keys = [_digest(t) for t in texts]
    todo = sorted({k: i for i, k in enumerate(keys) if k not in memo}.values())
    memo.update(zip((keys[i] for i in todo),
                    parallel_map(_prepare, [texts[i] for i in todo], jobs, chunksize=64)))
    return [memo[k] for k in keys]


def _lsh_params(threshold: float) -> tuple[int, int]:
    """(bands, rows): the most rows per band (fewest spurious candidates) that still make a
    pair at exactly `threshold` a candidate with probability >= _LSH_RECALL."""
    best = (NUM_PERM, 1)
    for rows in range(1, NUM_PERM // 2 + 1):  # MinHashLSH needs at least two bands
        bands = NUM_PERM // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= _LSH_RECALL:
            best = (bands, rows)
    return best


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            # the smaller index becomes the root only for tidiness; groups are
            # rebuilt from scratch afterwards, so the choice cannot leak into results
            self.parent[max(ri, rj)] = min(ri, rj)


def find_duplicates(candidates: list[Candidate], threshold: float = 0.8, jobs: int = 1,
                    memo: dict[bytes, Prepared] | None = None) -> list[Group]:
    """Groups of two or more candidates holding the same story, sorted by `keep`.

    `threshold` is the minimum exact Jaccard similarity of word 5-shingle sets for two
    texts of at least MIN_WORDS words to count as the same story (0 < threshold <= 1).
    Candidates in no group are not mentioned. Keys must be unique. `memo`: what earlier
    calls prepared of each text (see _prepared), for a caller that compares the same texts
    twice.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    # Sorting by key first makes every later step see the same order whatever the caller's.
    cands = sorted(candidates, key=lambda c: c.key)
    for a, b in zip(cands, cands[1:]):
        if a.key == b.key:
            raise ValueError(f"duplicate candidate key: {a.key!r}")
    uf = _UnionFind(len(cands))

    # Each text's words, shingles and MinHash sketch: the costly part, one text at a time,
    # on the process pool when it pays (the result does not depend on it).
    prepared = _prepared([c.text for c in cands], jobs, memo)
    norms = [p[0] for p in prepared]
    reps = _join_exact(norms, uf)
    # Near duplicates, among representatives long enough for shingles to be meaningful.
    long_reps = [i for i in sorted(reps.values()) if prepared[i][1] is not None]
    if len(long_reps) > 1:
        _join_near(prepared, long_reps, threshold, uf)
    return _groups(cands, norms, uf)


def _join_exact(norms: list[bytes | None], uf: _UnionFind) -> dict[bytes, int]:
    """Exact duplicates joined: one representative (the first by key) per normalised text;
    the representatives by text. Texts with no words are never grouped."""
    reps: dict[bytes, int] = {}
    for i, norm in enumerate(norms):
        if not norm:
            continue
        first = reps.setdefault(norm, i)
        if first != i:
            uf.union(first, i)
    return reps


def _join_near(prepared: list[Prepared], long_reps: list[int], threshold: float,
               uf: _UnionFind) -> None:
    """Near duplicates joined among long_reps: the pairs LSH proposes whose exact Jaccard
    similarity reaches the threshold."""
    lsh = MinHashLSH(num_perm=NUM_PERM, params=_lsh_params(threshold))
    shingles, sketches = {}, {}
    for i in long_reps:
        shingles[i] = prepared[i][1]
        sketches[i] = _template().copy()
        sketches[i].hashvalues = prepared[i][2]  # as the worker computed them
        lsh.insert(i, sketches[i], check_duplication=False)

    for i in long_reps:
        a = shingles[i]
        for j in sorted(lsh.query(sketches[i])):
            if j <= i:  # each unordered pair once; i itself is always returned
                continue
            b = shingles[j]
            # J(A, B) <= min/max of the set sizes: skip pairs that cannot reach it.
            if min(a.size, b.size) < threshold * max(a.size, b.size):
                continue
            if _jaccard(a, b) >= threshold:
                uf.union(i, j)


def _groups(cands: list[Candidate], norms: list[bytes | None], uf: _UnionFind) -> list[Group]:
    """The joined candidates as Groups (two or more members), sorted by `keep`."""
    members: dict[int, list[int]] = {}
    for i in range(len(cands)):
        members.setdefault(uf.find(i), []).append(i)
    groups = []
    for idx in members.values():
        if len(idx) < 2:
            continue
        keep = min(idx, key=lambda i: (cands[i].rank, cands[i].key))
        groups.append(
            Group(
                keep=cands[keep].key,
                others=tuple(sorted(cands[i].key for i in idx if i != keep)),
                exact=len({norms[i] for i in idx}) == 1,
            )
        )
    return sorted(groups, key=lambda g: g.keep)
