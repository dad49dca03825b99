"""The FAQ search index: sparse lexical retrieval over three views, then a fuzzy rerank.

Every question of every entry (the main one and each similar question) is a row of the index.
A query is scored in two stages:

1. Recall. Three TF-IDF views (scikit-learn, sublinear tf, L2 rows) are kept as term -> row sparse
   matrices (CSC): jieba words with synonyms, characters 1-2-grams, and pinyin syllable bigrams
   (homophone typos: 圈/全, 在/再). For words and characters the index reads the IDF mass every row
   shares with the query, giving the query's coverage (shared mass / query mass); for pinyin it
   reads the cosine. Only the query's posting lists are read, so the cost follows them, not the
   FAQ size. The best rows become candidates (`argpartition`).
2. Rerank. For those candidates only: the weighted Jaccard of words and of characters (shared IDF
   mass / union IDF mass) and two edit similarities (rapidfuzz `ratio`), on the pinyin strings and
   on the texts with function characters (的, 了, 吗, 我, 怎, ...) removed, so that wording habits
   weigh less than content.

The final score is a weighted mean of similarities that each lie in [0, 1] and barely depend on how
many entries the index holds (only through the IDF of each term), so band thresholds calibrated once
keep their meaning as the FAQ grows. An entry scores as its best-matching question.

Each match also says how much of the query the entry leaves unexplained (`Match.unmatched`): the
share of the query's word IDF mass that none of the entry's questions contains. It does not change
the score or the ranking (the benchmarks above stand); the direct-answer decision compares it
between the top two entries (`bot.faq.bands`).

How the weights in `ScoringWeights` were chosen: a random search (4,000 draws on a 0.05 grid) over
these weights maximising top-1 on the BQ dev set (narrow domain, the closest to a real service FAQ),
then confirmed unchanged on lcqmc_dev (full and hard queries), which was not searched. Three later
speed changes (pinyin bigrams only, 40 candidates, Jaccard for candidates only) were checked on both
sets: BQ top-1 0.1927 -> 0.1923, lcqmc_dev 0.8198 -> 0.8206 (hard 0.5236 -> 0.5288). No query
text is learnt from: only these few numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from types import MappingProxyType

import numpy as np
from rapidfuzz.distance import Indel
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.faq.model import FaqEntry, Lexicon, Match
from bot.faq.normalize import NO_LEXICON, Analysis, Analyzer, analyzer_for

# Particles, pronouns and question-word characters: left out of the text edit similarity.
_FUNCTION_CHARS = frozenset("的了吗呢吧啊呀我你您是在有么怎什为这那个一下就也还都要想请问")


@dataclass(frozen=True, slots=True)
class ScoringWeights:
    """How much each similarity counts in the final score (normalised to sum to 1)."""

    word_coverage: float = 0.05
    """Share of the query's word IDF mass that the question contains."""
    word_jaccard: float = 0.10
    """Weighted Jaccard of the word sets (IDF mass shared / IDF mass of the union)."""
    char_coverage: float = 0.15
    """Share of the query's character 1-2-gram IDF mass that the question contains."""
    char_jaccard: float = 0.15
    """Weighted Jaccard of the character 1-2-gram sets."""
    pinyin_cosine: float = 0.05
    """TF-IDF cosine of pinyin syllable bigrams."""
    text_ratio: float = 0.20
    """rapidfuzz ratio of the normalised texts without function characters."""
    pinyin_ratio: float = 0.20
    """rapidfuzz ratio of the pinyin strings."""
    candidates: int = 40
    """How many indexed questions stage 1 hands to the rerank (at least 4 x k)."""

    @property
    def total(self) -> float:
        """Sum of the similarity weights."""
        return (
            self.word_coverage
            + self.word_jaccard
            + self.char_coverage
            + self.char_jaccard
            + self.pinyin_cosine
            + self.text_ratio
            + self.pinyin_ratio
        )


DEFAULT_WEIGHTS = ScoringWeights()
_TIEBREAK_STEP = 1e-13
"""Far below any score difference that matters: 1e-13 x 100k rows = 1e-8."""


def _word_terms(analysis: Analysis) -> list[str]:
    return list(analysis.tokens)


def _char_terms(analysis: Analysis) -> list[str]:
    text = analysis.text.replace(" ", "")
    return [*text, *(text[i : i + 2] for i in range(len(text) - 1))]


def _pinyin_terms(analysis: Analysis) -> list[str]:
    # Bigrams only: single syllables are so common that their posting lists would dominate the
    # search time for little gain (checked on both dev sets).
    syllables = analysis.pinyin
    return [f"{a} {b}" for a, b in pairwise(syllables)] or list(syllables)


def _identity(terms: list[str]) -> list[str]:
    return terms


def _content(text: str) -> str:
    return "".join(char for char in text if char not in _FUNCTION_CHARS) or text


@dataclass(frozen=True, slots=True)
class SemanticWeights:
    """How the semantic layer's cosine joins the lexical score (`FaqIndex.search` with a query
    vector): final = (1 - weight) x lexical + weight x stretched cosine, where the cosine is
    stretched from [floor, 1] to [0, 1] (e5's cosines of Chinese questions on other topics sit
    around 0.8-0.9, so the raw cosine would crowd every score into the top of the range).

    Chosen on the dev sets (lcqmc_dev all and hard queries, bq), from weight 0.4-0.9 x floor
    0.7-0.88, by top-1 after the lexical weights were fixed: 0.7 / 0.85 gives lcqmc_dev 0.859
    (lexical 0.821, e5 alone 0.837), its hard queries 0.605 (0.529, 0.615), bq 0.191 (0.192,
    0.177). On the youth questions written for the semantic decision (tune half) top-1 goes
    from 0.855 to 0.955."""

    weight: float = 0.7
    floor: float = 0.85
    candidates: int = 40
    """Rows that the dense ranking adds to the lexical candidates."""

    def stretch(self, cosine: np.ndarray) -> np.ndarray:
        """The cosine mapped from [floor, 1] to [0, 1] (clipped)."""
        return np.clip((cosine - self.floor) / (1.0 - self.floor), 0.0, 1.0)


DEFAULT_SEMANTIC = SemanticWeights()


@dataclass(frozen=True, slots=True)
class _ViewWeights:
    cosine: float = 0.0
    coverage: float = 0.0
    jaccard: float = 0.0


class _View:
    """One TF-IDF view: a vocabulary, IDF weights and the term -> row matrix (CSC arrays)."""

    __slots__ = (
        "_data",
        "_idf",
        "_indices",
        "_indptr",
        "_max_idf",
        "_row_mass",
        "_rows",
        "_terms",
        "_vocabulary",
        "_weights",
    )

    def __init__(
        self,
        terms: Callable[[Analysis], list[str]],
        rows: Sequence[Analysis],
        weights: _ViewWeights,
    ) -> None:
        vectorizer = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, norm="l2", smooth_idf=True, dtype=np.float32
        )
        # A generator keeps only one row's terms alive at a time (memory at 100k entries).
        columns = vectorizer.fit_transform(terms(row) for row in rows).tocsc()
        self._indptr = columns.indptr.astype(np.int64)
        self._indices = columns.indices
        self._data = columns.data
        self._rows = len(rows)
        self._terms = terms
        self._weights = weights
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf: list[float] = vectorizer.idf_.tolist()
        # A term no indexed question has is as rare as possible: it still counts in the query.
        self._max_idf = math.log(1 + len(rows)) + 1
        # IDF mass of each row's distinct terms: the row's side of the Jaccard union.
        lengths = np.diff(self._indptr)
        self._row_mass = np.bincount(
            self._indices, np.repeat(vectorizer.idf_, lengths), minlength=len(rows)
        )

    def add_scores(
        self, analysis: Analysis, total: float, out: np.ndarray
    ) -> tuple[np.ndarray, float] | None:
        """Add this view's cosine and coverage (weighted, divided by `total`) for every row to
        `out`. If the view has a Jaccard weight, return what `jaccard` needs: the IDF mass each
        row shares with the query, and the query's IDF mass."""
        counts = Counter(self._terms(analysis))
        columns: list[int] = []
        tf_idf: list[float] = []
        idfs: list[float] = []
        norm = mass = 0.0
        for term, count in counts.items():
            column = self._vocabulary.get(term)
            idf = self._max_idf if column is None else self._idf[column]
            weight = (1.0 + math.log(count)) * idf
            norm += weight * weight
            mass += idf
            if column is not None:
                columns.append(column)
                tf_idf.append(weight)
                idfs.append(idf)
        if not columns:
            return None
        # Only the query's posting lists are read: the cost follows them, not the FAQ size.
        column_array = np.asarray(columns)
        starts = self._indptr[column_array]
        lengths = self._indptr[column_array + 1] - starts
        offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        positions = np.arange(int(lengths.sum())) + offsets
        rows = self._indices[positions]
        weights = self._weights
        if weights.cosine:
            cosine = weights.cosine / (total * math.sqrt(norm))
            per_posting = self._data[positions] * np.repeat(np.asarray(tf_idf) * cosine, lengths)
            out += np.bincount(rows, per_posting, minlength=self._rows)
        if not (weights.coverage or weights.jaccard):
            return None
        shared = np.bincount(rows, np.repeat(np.asarray(idfs), lengths), minlength=self._rows)
        out += shared * (weights.coverage / (total * mass))
        return (shared, mass) if weights.jaccard else None

    def idf(self, term: str) -> float:
        """IDF of `term`; a term no indexed question has counts as the rarest."""
        column = self._vocabulary.get(term)
        return self._max_idf if column is None else self._idf[column]

    def jaccard(self, shared: np.ndarray, mass: float, rows: np.ndarray) -> np.ndarray:
        """Weighted Jaccard of the query with `rows` (IDF mass shared / of the union), times its
        weight; only for the few rerank candidates, to keep full-length array work down."""
        common = shared[rows]
        return common / (mass + self._row_mass[rows] - common) * self._weights.jaccard


SKETCH_DIMS = 96
"""Dimensions of the float32 sketch that `RowVectors.nearest` scans (of e5's 384)."""
SKETCH_OVERFETCH = 8
"""Rows taken by sketch per row wanted, then ranked by their exact cosines (4 kept 92 % of the
exact 40 nearest on lcqmc_dev, 8 keeps 96 %, at no cost in the scan)."""
_SKETCH_SAMPLE = 8192
"""Rows the sketch's directions are computed from (evenly spaced; all of a smaller index)."""
_CHUNK = 8192


class RowVectors:
    """The passage embeddings of an index's rows, kept small and scanned fast.

    Every row is stored in float16 (as the embedding cache holds it) with its norm, so a cosine
    read from it is the cosine of the cached vectors. Scanning 384 float32 dimensions for every
    query costs about 130 MB and 10 ms at 85k rows, so `nearest` scans a sketch instead: each
    unit row projected on the `SKETCH_DIMS` principal directions of the rows (of their second
    moments, not centred, so the projection keeps dot products as well as it can), then ranks
    the best `SKETCH_OVERFETCH` x count rows of the sketch by their exact cosines. On lcqmc_dev
    at 20k rows that keeps 96 % of an exact scan's 40 nearest rows (what it misses is far down
    the 40), and every query's top-1, fused with the lexical score, stayed the same on
    lcqmc_dev (4,091 queries) and bq (2,766)."""

    __slots__ = ("_basis", "_half", "_norms", "_sketch")

    def __init__(self, vectors: np.ndarray) -> None:
        half = np.asarray(vectors, dtype=np.float16)
        count, dim = half.shape
        norms = np.empty(count, dtype=np.float32)
        for start in range(0, count, _CHUNK):
            norms[start : start + _CHUNK] = np.linalg.norm(
                half[start : start + _CHUNK].astype(np.float32), axis=1
            )
        norms = np.maximum(norms, 1e-12)  # a zero row stays zero instead of becoming NaN
        step = max(1, count // _SKETCH_SAMPLE)
        sample = half[::step][:_SKETCH_SAMPLE].astype(np.float64)
        sample /= norms[::step][:_SKETCH_SAMPLE, None]
        _values, directions = np.linalg.eigh(sample.T @ sample)  # ascending eigenvalues
        basis = np.ascontiguousarray(directions[:, ::-1][:, : min(SKETCH_DIMS, dim)], np.float32)
        sketch = np.empty((count, basis.shape[1]), dtype=np.float32)
        for start in range(0, count, _CHUNK):
            unit = half[start : start + _CHUNK].astype(np.float32)
            unit /= norms[start : start + _CHUNK, None]
            sketch[start : start + _CHUNK] = unit @ basis
        for array in (half, norms, basis, sketch):
            array.flags.writeable = False
        self._half, self._norms, self._basis, self._sketch = half, norms, basis, sketch

    def __len__(self) -> int:
        return len(self._half)

    @property
    def nbytes(self) -> int:
        """Memory held by the vectors, the sketch and its directions."""
        return sum(a.nbytes for a in (self._half, self._norms, self._basis, self._sketch))

    def cosines(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Cosine (float64) of the unit vector `query` with each of `rows`."""
        dots = self._half[rows].astype(np.float32) @ query
        return (dots / self._norms[rows]).astype(np.float64)

    def nearest(
        self, query: np.ndarray, count: int, allowed: np.ndarray | None = None
    ) -> np.ndarray:
        """The (at most) `count` rows with the highest cosines to the unit vector `query`,
        unordered; only rows where `allowed` is True, when it is given."""
        total = len(self._half)
        fetch = count * SKETCH_OVERFETCH
        if fetch < total:
            approximate = self._sketch @ (query @ self._basis)
            if allowed is not None:
                approximate[~allowed] = -np.inf
            rows = np.argpartition(approximate, -fetch)[-fetch:]
        else:
            rows = np.arange(total)
        if allowed is not None:
            rows = rows[allowed[rows]]
        if len(rows) > count:
            rows = rows[np.argpartition(self.cosines(query, rows), -count)[-count:]]
        return rows


@dataclass(frozen=True, slots=True)
class _Scored:
    """The recall stage of one query: what scoring more of its rows needs."""

    analysis: Analysis
    fused: np.ndarray
    shared: tuple[tuple[_View, tuple[np.ndarray, float] | None], ...]
    allowed: np.ndarray | None


@dataclass(slots=True)
class LexicalSearch:
    """One lexical search (`FaqIndex.search_lexical`): its matches, and the scored state that
    `FaqIndex.search_fused` reuses for the same query."""

    index: FaqIndex
    k: int
    analysis: Analysis
    state: _Scored | None
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    matches: list[Match] = field(default_factory=list)


class FaqIndex:
    """An immutable search index over FAQ entries; a reload builds a new one and swaps it in."""

    __slots__ = (
        "_analyzer",
        "_by_id",
        "_content",
        "_entries",
        "_entry_rows",
        "_pinyin",
        "_row_entry",
        "_row_question",
        "_row_words",
        "_rows_of_org",
        "_tiebreak",
        "_unscoped",
        "_vectors",
        "_views",
        "_weights",
    )

    def __init__(self) -> None:
        raise TypeError("use FaqIndex.build(entries, lexicon)")

    @classmethod
    def build(
        cls,
        entries: Sequence[FaqEntry],
        lexicon: Lexicon = NO_LEXICON,
        weights: ScoringWeights = DEFAULT_WEIGHTS,
    ) -> FaqIndex:
        """Index every question of `entries`. CPU-bound: run it in an executor from async code."""
        analyzer = analyzer_for(lexicon)
        rows: list[Analysis] = []
        row_entry: list[int] = []
        row_question: list[str] = []
        # One string object per distinct word while building: large FAQs repeat words a lot.
        words: dict[str, str] = {}
        for number, entry in enumerate(entries):
            for question in dict.fromkeys(entry.questions):
                analysis = analyzer.analyze(question)
                if analysis.text:
                    tokens = tuple(words.setdefault(token, token) for token in analysis.tokens)
                    rows.append(Analysis(analysis.text, tokens, analysis.pinyin))
                    row_entry.append(number)
                    row_question.append(question)
        self = object.__new__(cls)
        self._analyzer = analyzer
        self._entries = tuple(entries)
        self._by_id = MappingProxyType({entry.id: entry for entry in self._entries})
        self._weights = weights
        self._content = tuple(_content(row.text) for row in rows)
        self._pinyin = tuple("".join(row.pinyin) for row in rows)
        self._row_question = tuple(row_question)
        self._row_entry = np.asarray(row_entry, dtype=np.int64)
        self._row_entry.flags.writeable = False
        # numpy's argpartition slows twentyfold on many equal scores (rows sharing one common
        # character); a tiny per-row offset makes the keys distinct and favours earlier rows.
        self._tiebreak = np.arange(len(rows), dtype=np.float64) * _TIEBREAK_STEP
        # Org scopes, for `search(orgs=...)`: the rows of unscoped entries, and each org's rows.
        scoped: dict[str, list[int]] = {}
        for row, number in enumerate(row_entry):
            for org in entries[number].orgs:
                scoped.setdefault(org, []).append(row)
        self._rows_of_org = MappingProxyType(
            {org: np.asarray(found, dtype=np.int64) for org, found in scoped.items()}
        )
        unscoped = np.asarray([not entries[n].orgs for n in row_entry], dtype=bool)
        self._unscoped = unscoped if scoped else None
        # The words of each row (shared string objects) and where each entry's rows start: an
        # entry's words are the union of its rows' (rows are added entry by entry).
        self._row_words = tuple(row.tokens for row in rows)
        self._entry_rows = np.searchsorted(self._row_entry, np.arange(len(entries) + 1))
        self._vectors: RowVectors | None = None
        self._views: tuple[_View, ...] = ()
        if rows:
            self._views = (
                _View(
                    _word_terms, rows, _ViewWeights(0, weights.word_coverage, weights.word_jaccard)
                ),
                _View(
                    _char_terms, rows, _ViewWeights(0, weights.char_coverage, weights.char_jaccard)
                ),
                _View(_pinyin_terms, rows, _ViewWeights(weights.pinyin_cosine)),
            )
        return self

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def row_questions(self) -> tuple[str, ...]:
        """Every indexed question, in row order: what `with_vectors` wants embedded."""
        return self._row_question

    @property
    def has_vectors(self) -> bool:
        """Whether semantic search is possible (`with_vectors` was given the rows' vectors)."""
        return self._vectors is not None

    def with_vectors(self, vectors: np.ndarray) -> FaqIndex:
        """A copy of this index that also holds one passage embedding per indexed question
        (`row_questions` order), so that `search` can take a query vector. They are kept as
        `RowVectors` (float16 rows and a small float32 sketch), not as given."""
        if vectors.ndim != 2 or vectors.shape[0] != len(self._row_question):
            raise ValueError(
                f"need one vector per indexed question ({len(self._row_question)}), "
                f"got shape {vectors.shape}"
            )
        copy = object.__new__(FaqIndex)
        for name in FaqIndex.__slots__:
            setattr(copy, name, getattr(self, name))
        copy._vectors = RowVectors(vectors)
        return copy

    @property
    def analyzer(self) -> Analyzer:
        """The analyzer (lexicon) this index reads questions with."""
        return self._analyzer

    @property
    def entries(self) -> Mapping[str, FaqEntry]:
        """Indexed entries by id (read-only)."""
        return self._by_id

    def search(
        self,
        query: str,
        k: int = 5,
        orgs: Collection[str] | None = None,
        query_vector: np.ndarray | None = None,
        semantic: SemanticWeights = DEFAULT_SEMANTIC,
    ) -> list[Match]:
        """The `k` best entries for `query`, best first, each with its best-matching question.

        `query_vector`: the query's sentence embedding (`bot.semantic`), for an index built
        `with_vectors`. Given, the rows closest to it join the lexical candidates, and every
        candidate's score fuses its lexical score with its cosine (`SemanticWeights`); each
        match then carries that cosine (`Match.semantic`). Not given: lexical only. The same
        in two steps, the second reusing the first: `search_lexical`, then `search_fused`.

        `orgs`: the org a question comes from and its ancestors. Given, an entry scoped to orgs
        (`FaqEntry.orgs`) is found only if one of them is among `orgs` (so it answers its orgs
        and everything below them), and an empty `orgs` finds unscoped entries only. None:
        every entry (tools, benchmarks). Rows outside the scope are dropped before the
        candidates are picked, so they never push a match out of the `k`."""
        first = self.search_lexical(query, k, orgs)
        if query_vector is None or self._vectors is None:
            return first.matches
        return self.search_fused(first, query_vector, semantic)

    def search_lexical(
        self, query: str, k: int = 5, orgs: Collection[str] | None = None
    ) -> LexicalSearch:
        """The lexical search of `query` (`search` without a query vector), with what a fused
        search of the same query reuses: its `matches` are `search(query, k, orgs)`."""
        analysis = self._analyzer.analyze(query)
        if not analysis.text or not self._views or k <= 0:
            return LexicalSearch(self, k, analysis, None)
        weights = self._weights
        total = weights.total
        fused = np.zeros(len(self._content))
        shared = tuple((view, view.add_scores(analysis, total, fused)) for view in self._views)
        if orgs is not None and self._unscoped is not None:
            allowed = self._unscoped.copy()
            for org in orgs:
                found = self._rows_of_org.get(org)
                if found is not None:
                    allowed[found] = True
            fused[~allowed] = 0.0  # rows with no score are never candidates (`_top_rows`)
        else:
            allowed = None
        state = _Scored(analysis, fused, shared, allowed)
        rows = self._top_rows(fused, max(weights.candidates, 4 * k))
        first = LexicalSearch(self, k, analysis, state, rows, self._lexical_scores(state, rows))
        first.matches = self._ranked(analysis, k, rows, first.scores, None)
        return first

    def search_fused(
        self,
        first: LexicalSearch,
        query_vector: np.ndarray,
        semantic: SemanticWeights = DEFAULT_SEMANTIC,
    ) -> list[Match]:
        """`search` with `query_vector` for the query of `first` (this index's
        `search_lexical`), without scoring its lexical candidates a second time."""
        if first.index is not self:
            raise ValueError("search_fused needs a search_lexical of the same index")
        state, vectors, k = first.state, self._vectors, first.k
        if state is None:
            return []
        if vectors is None:
            return first.matches
        query_vector = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        nearest = vectors.nearest(query_vector, max(semantic.candidates, 4 * k), state.allowed)
        new = np.setdiff1d(nearest, first.rows, assume_unique=True)
        rows = np.concatenate((first.rows, new))
        scores = np.concatenate((first.scores, self._lexical_scores(state, new)))
        # The rows in ascending order, as a single pass over their union would take them.
        order = np.argsort(rows, kind="stable")
        rows, scores = rows[order], scores[order]
        if not len(rows):
            return []
        cosine = vectors.cosines(query_vector, rows)
        fused = (1.0 - semantic.weight) * scores + semantic.weight * semantic.stretch(cosine)
        return self._ranked(state.analysis, k, rows, fused, cosine.tolist())

    def _lexical_scores(self, state: _Scored, rows: np.ndarray) -> np.ndarray:
        """The lexical score of each of `rows` (recall-stage sums, Jaccards, edit similarity)."""
        weights = self._weights
        total = weights.total
        scores = state.fused[rows]
        for view, jaccard_input in state.shared:
            if jaccard_input is not None:
                scores += view.jaccard(*jaccard_input, rows) / total
        content = _content(state.analysis.text)
        pinyin = "".join(state.analysis.pinyin)
        text_weight = weights.text_ratio / total
        pinyin_weight = weights.pinyin_ratio / total
        lexical = np.empty(len(rows))
        for number, (row, partial) in enumerate(zip(rows.tolist(), scores.tolist(), strict=True)):
            score = partial
            score += text_weight * Indel.normalized_similarity(content, self._content[row])
            score += pinyin_weight * Indel.normalized_similarity(pinyin, self._pinyin[row])
            lexical[number] = score
        return lexical

    def _ranked(
        self,
        analysis: Analysis,
        k: int,
        rows: np.ndarray,
        scores: np.ndarray,
        cosines: list[float] | None,
    ) -> list[Match]:
        """The `k` best entries among scored `rows`, each as its best row."""
        best: dict[int, tuple[float, int]] = {}
        closest: dict[int, float] = {}
        for number, (row, score) in enumerate(zip(rows.tolist(), scores.tolist(), strict=True)):
            entry = int(self._row_entry[row])
            if entry not in best or score > best[entry][0]:
                best[entry] = (score, row)
            if cosines is not None and cosines[number] > closest.get(entry, -1.0):
                closest[entry] = cosines[number]
        ranked = sorted(best.items(), key=lambda item: -item[1][0])[:k]
        words = self._views[0]
        query_idf = {word: words.idf(word) for word in analysis.tokens}
        mass = sum(query_idf.values()) or 1.0
        matches = []
        for entry, (score, row) in ranked:
            known = self._words_of(entry)
            unmatched = sum(idf for word, idf in query_idf.items() if word not in known)
            matches.append(
                Match(
                    self._entries[entry],
                    min(1.0, max(0.0, score)),
                    self._row_question[row],
                    unmatched / mass,
                    closest.get(entry) if cosines is not None else None,
                )
            )
        return matches

    def _words_of(self, entry: int) -> set[str]:
        """The words of all indexed questions of entry number `entry`."""
        start, end = self._entry_rows[entry], self._entry_rows[entry + 1]
        return set().union(*self._row_words[start:end])

    def _top_rows(self, scores: np.ndarray, count: int) -> np.ndarray:
        """Rows with the highest scores (unordered), skipping rows that share no term."""
        if count < len(scores):
            top = np.argpartition(scores - self._tiebreak, -count)[-count:]
        else:
            top = np.arange(len(scores))
        return top[scores[top] > 0]
