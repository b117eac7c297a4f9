"""Text signals: documents per second through ingest and NLP, embeddings per second, and
as-of retrieval latency at 100,000 and 1,000,000 vectors (FAISS; pgvector where installed).

Run: .venv/bin/python benchmarks/bench_text.py [--docs 5000] [--embed 1000]
     [--sizes 100000 1000000] [--queries 100] [--postgres URL]

Documents are the bundled corpus sentences with varied company names and numbers (distinct
content hashes); ingest is the SQLite document store's idempotent insert, NLP is the
dictionary entity extractor, the combined sentiment model and the event rules. Embeddings:
MiniLM (all-MiniLM-L6-v2) on CPU, batch 64, and the hashing embedder. Retrieval: random unit
vectors (384 dimensions) with random first-seen times, one query at a time, k=10, with and
without an as-of filter that admits half the vectors; the latency is the median of
``--queries`` queries. Vectors are random, not embedded texts: latency depends on the count
and the dimension, not on what the vectors mean.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from signaltrust.text.analysis import TextAnalyzer  # noqa: E402
from signaltrust.text.documents import Document  # noqa: E402
from signaltrust.text.embeddings import HashingEmbedder, MiniLMEmbedder  # noqa: E402
from signaltrust.text.entities import EntityExtractor, TickerDictionary  # noqa: E402
from signaltrust.text.evaluation import load_corpus  # noqa: E402
from signaltrust.text.store import DocumentStore  # noqa: E402
from signaltrust.text.vectors import FaissVectorStore  # noqa: E402

T0 = pd.Timestamp("2024-01-02T00:00:00Z")


def documents(n: int, seed: int = 0) -> list[Document]:
    """``n`` distinct documents made from the corpus sentences and the ticker list."""
    rng = np.random.default_rng(seed)
    sentences = load_corpus()["text"].tolist()
    names = list(TickerDictionary.default().names.values())
    out = []
    for i in range(n):
        text = sentences[i % len(sentences)]
        company = names[int(rng.integers(len(names)))]
        title = f"{text} ({company}, {int(rng.integers(1, 99))}%)"
        seen = T0 + pd.Timedelta(seconds=int(i * 37))
        out.append(Document("bench", title, body="", url=f"https://bench/{i}",
                            published_at=seen, first_seen_at=seen))
    return out


def bench_ingest(n: int) -> dict[str, float]:
    docs = documents(n)
    with tempfile.TemporaryDirectory() as folder:
        store = DocumentStore.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        start = time.perf_counter()
        report = store.add(docs)
        ingest = time.perf_counter() - start
        assert report.stored == n
        start = time.perf_counter()
        again = store.add(docs)
        reingest = time.perf_counter() - start
        assert again.stored == 0
        analyzer = TextAnalyzer(EntityExtractor(use_spacy=False))
        analyzer.analyze("warm up: Apple beats estimates")
        start = time.perf_counter()
        annotated = store.annotate(analyzer)
        nlp = time.perf_counter() - start
        assert annotated == n
        store.close()
    return {"ingest_docs_per_s": n / ingest, "reingest_docs_per_s": n / reingest,
            "nlp_docs_per_s": n / nlp, "ingest_and_nlp_docs_per_s": n / (ingest + nlp)}


def bench_embeddings(n: int) -> dict[str, float]:
    texts = [d.title for d in documents(n, seed=1)]
    out = {}
    for name, embedder in (("minilm", MiniLMEmbedder()), ("hashing", HashingEmbedder())):
        embedder.embed(texts[:64])  # load and warm up
        start = time.perf_counter()
        vectors = embedder.embed(texts)
        out[f"{name}_embeddings_per_s"] = len(vectors) / (time.perf_counter() - start)
    return out


def random_unit(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def bench_faiss(size: int, queries: int, dim: int = 384, kind: str = "flat"
                ) -> dict[str, float]:
    rng = np.random.default_rng(size)
    vectors = random_unit(size, dim, rng)
    times = list(T0 + pd.to_timedelta(rng.permutation(size), unit="s"))
    store = FaissVectorStore(dim=dim, kind=kind, nlist=1024, nprobe=16)
    start = time.perf_counter()
    store.add([str(i) for i in range(size)], vectors, times)
    build = time.perf_counter() - start
    asks = random_unit(queries, dim, rng)
    half = T0 + pd.Timedelta(seconds=size // 2)
    out = {"build_s": build}
    if kind != "flat":  # recall@10 against the exact answer, as of the half-way time
        admitted = np.flatnonzero(np.asarray(times) <= half)
        found = 0
        for row in asks[:10]:
            exact = admitted[np.argsort(-(vectors[admitted] @ row))[:10]]
            hits = store.search(row, 10, as_of=half)[0]
            found += len({str(i) for i in exact} & {h.key for h in hits})
        out["recall_at_10"] = found / 100
    del vectors
    for label, as_of in (("all", None), ("as_of_half", half)):
        store.search(asks[:1], 10, as_of=as_of)  # warm up
        laps = []
        for row in asks:
            start = time.perf_counter()
            hits = store.search(row, 10, as_of=as_of)[0]
            laps.append(time.perf_counter() - start)
            if as_of is not None:
                assert all(h.available_at <= as_of for h in hits)
        out[f"latency_ms_{label}"] = 1000 * statistics.median(laps)
    return out


def bench_pgvector(url: str, size: int, queries: int, dim: int = 384) -> dict[str, float]:
    import uuid

    import sqlalchemy as sa

    from signaltrust.text.vectors_pg import PgVectorStore

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    store = PgVectorStore(url, dim=dim, schema=schema)
    rng = np.random.default_rng(size)
    try:
        start = time.perf_counter()
        for lo in range(0, size, 5000):
            count = min(5000, size - lo)
            store.add([str(i) for i in range(lo, lo + count)], random_unit(count, dim, rng),
                      list(T0 + pd.to_timedelta(rng.permutation(count) + lo, unit="s")))
        build = time.perf_counter() - start
        asks = random_unit(queries, dim, rng)
        half = T0 + pd.Timedelta(seconds=size // 2)
        laps = []
        for row in asks:
            start = time.perf_counter()
            store.search(row, 10, as_of=half)
            laps.append(time.perf_counter() - start)
        return {"build_s": build, "latency_ms_as_of_half": 1000 * statistics.median(laps)}
    finally:
        engine = store._ready()
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--embed", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--kinds", nargs="+", default=["flat", "ivf"])
    parser.add_argument("--postgres", default=None,
                        help="PostgreSQL URL with pgvector (skipped when absent)")
    args = parser.parse_args()

    print(f"ingest and NLP, {args.docs} documents (SQLite, dictionary entities):")
    for key, value in bench_ingest(args.docs).items():
        print(f"  {key:<28} {value:>10,.0f}")
    print(f"embeddings, {args.embed} texts (CPU):")
    for key, value in bench_embeddings(args.embed).items():
        print(f"  {key:<28} {value:>10,.0f}")
    print(f"FAISS retrieval, 384 dimensions, k=10, median of {args.queries} single queries:")
    for kind in args.kinds:
        for size in args.sizes:
            result = bench_faiss(size, args.queries, kind=kind)
            print(f"  {kind:<5} {size:>9,} vectors: build {result['build_s']:6.1f} s, "
                  f"latency {result['latency_ms_all']:7.2f} ms (all), "
                  f"{result['latency_ms_as_of_half']:7.2f} ms (as of, half admitted)"
                  + (f", recall@10 {result['recall_at_10']:.2f}" if "recall_at_10" in result
                     else ""))
    if args.postgres:
        try:
            for size in args.sizes:
                result = bench_pgvector(args.postgres, size, args.queries)
                print(f"  pgvector {size:>9,} vectors: build {result['build_s']:6.1f} s, "
                      f"latency {result['latency_ms_as_of_half']:7.2f} ms (as of, exact)")
        except Exception as exc:  # the extension may be missing: say so and go on
            print(f"  pgvector skipped: {exc}")
    else:
        print("  pgvector: not measured (pass --postgres URL of a server with pgvector)")


if __name__ == "__main__":
    main()
