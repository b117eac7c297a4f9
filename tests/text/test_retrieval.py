"""Embeddings, the FAISS store and as-of retrieval: a query at t never sees a later document."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.text.documents import Document
from signaltrust.text.embeddings import HashingEmbedder
from signaltrust.text.retrieval import NewsIndex
from signaltrust.text.vectors import FaissVectorStore

T0 = pd.Timestamp("2024-03-05T10:00:00Z")


def _doc(title, hours, symbols=()):
    return Document("wire", title, url=f"https://w/{title}", published_at=T0,
                    first_seen_at=T0 + pd.Timedelta(hours=hours), symbols=symbols)


PAST = [_doc("Microsoft cuts its outlook on weak cloud demand", 1),
        _doc("Apple beats estimates on iPhone sales", 2),
        _doc("Tesla recalls cars over autopilot", 3)]
# planted: closer to the query than anything in the past, but first seen later
FUTURE = [_doc("Microsoft cuts its outlook again on weak cloud demand", 10),
          _doc("Microsoft outlook cut, cloud demand weak", 11)]


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_search_when_future_documents_planted_then_never_returned_before_their_time(kind):
    index = NewsIndex(HashingEmbedder(), FaissVectorStore(384, kind=kind, nprobe=64))
    index.add_documents(PAST + FUTURE)
    as_of = T0 + pd.Timedelta(hours=5)
    query = "Microsoft outlook cut, cloud demand weak"  # a planted title, word for word
    found = index.search(query, k=3, as_of=as_of)
    assert (found["first_seen_at"] <= as_of).all()
    assert found["title"].iloc[0] == PAST[0].title
    assert len(found) == 3  # future items take no places from past ones
    later = index.search(query, k=1,
                         as_of=T0 + pd.Timedelta(hours=12))
    assert later["title"].iloc[0] == FUTURE[1].title  # it exists, and wins once seen


def test_search_when_as_of_before_everything_then_empty():
    index = NewsIndex(HashingEmbedder())
    index.add_documents(PAST)
    assert index.search("Apple", as_of=T0).empty


def test_search_when_symbol_given_then_only_documents_naming_it():
    index = NewsIndex(HashingEmbedder())
    index.add_documents(PAST + [_doc("Shares of the iPhone maker rose", 4, ("AAPL",))])
    found = index.search("cars recall outlook", k=5, symbol="aapl")
    assert set(found["title"]) == {PAST[1].title, "Shares of the iPhone maker rose"}
    assert all("AAPL" in s for s in found["symbols"])


def test_add_when_documents_repeat_then_indexed_once():
    index = NewsIndex(HashingEmbedder())
    assert index.add_documents(PAST) == 3
    assert index.add_documents(PAST + PAST) == 0
    assert len(index) == 3 and len(index.vectors) == 3


def test_index_when_saved_and_loaded_then_same_answers(tmp_path):
    index = NewsIndex(HashingEmbedder())
    index.add_documents(PAST + FUTURE)
    index.save(tmp_path / "idx")
    again = NewsIndex.load(tmp_path / "idx", HashingEmbedder())
    args = ("weak cloud demand",)
    pd.testing.assert_frame_equal(index.search(*args, as_of=T0 + pd.Timedelta(hours=5)),
                                  again.search(*args, as_of=T0 + pd.Timedelta(hours=5)))


def test_load_when_other_embedder_then_validation_error(tmp_path):
    index = NewsIndex(HashingEmbedder())
    index.add_documents(PAST)
    index.save(tmp_path / "idx")
    with pytest.raises(ValidationError, match="another embedder"):
        NewsIndex.load(tmp_path / "idx", HashingEmbedder(dim=128))


def test_store_when_vectors_have_wrong_width_then_validation_error():
    store = FaissVectorStore(dim=8)
    with pytest.raises(ValidationError, match="8 columns"):
        store.add(["a"], np.ones((1, 4)), [T0])
    with pytest.raises(ValidationError, match="zone"):
        store.add(["a"], np.ones((1, 8)), ["2024-03-05 10:00"])


def test_store_when_many_random_vectors_then_as_of_filter_holds_for_every_query():
    rng = np.random.default_rng(7)
    n = 2000
    vectors = rng.normal(size=(n, 16)).astype(np.float32)
    times = T0 + pd.to_timedelta(rng.permutation(n), unit="min")  # out of order on purpose
    store = FaissVectorStore(dim=16)
    store.add([str(i) for i in range(n)], vectors, list(times))
    cut = T0 + pd.Timedelta(minutes=500)
    for hits in store.search(rng.normal(size=(20, 16)), k=25, as_of=cut):
        assert len(hits) == 25 and all(h.available_at <= cut for h in hits)
    # the exact answer: brute force over the allowed rows
    q = rng.normal(size=(1, 16)).astype(np.float32)
    allowed = np.flatnonzero(times <= cut)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    best = allowed[np.argsort(-(unit[allowed] @ (q[0] / np.linalg.norm(q))))[:5]]
    assert [h.key for h in store.search(q, k=5, as_of=cut)[0]] == [str(i) for i in best]


@pytest.mark.slow
def test_minilm_when_paraphrase_then_nearer_than_unrelated_text(minilm):
    vectors = minilm.embed(["Microsoft lowers its forecast", "Microsoft cuts its outlook",
                            "Tesla recalls cars"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


@pytest.mark.slow
def test_minilm_index_when_future_planted_then_as_of_holds_with_meaning_search(minilm):
    index = NewsIndex(minilm)
    index.add_documents(PAST + FUTURE)
    as_of = T0 + pd.Timedelta(hours=5)
    found = index.search("software company lowers its forecast", k=2, as_of=as_of)
    assert found["title"].iloc[0] == PAST[0].title
    assert (found["first_seen_at"] <= as_of).all()
