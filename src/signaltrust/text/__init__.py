"""Text signals: news, filings and posts in, as-of features, retrieval and event studies out.

Everything here keys on the time a document was **first seen**, never only on the time its
source states, so nothing reaches a decision before it could have been read. Heavy parts
(spaCy, torch, sentence-transformers, FAISS) load on first use.

>>> from signaltrust.text import SentimentModel, EntityExtractor
>>> SentimentModel().analyze("Shares plunged after the company cut its outlook").label
'negative'
>>> EntityExtractor(use_spacy=False).tickers_in("Apple and Microsoft rose")
['AAPL', 'MSFT']
"""

from __future__ import annotations

from signaltrust.core.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(globals(), {
    "Document": "signaltrust.text.documents:Document",
    "DocumentStore": "signaltrust.text.store:DocumentStore",
    "IngestReport": "signaltrust.text.store:IngestReport",
    "ingest_batch": "signaltrust.text.ingest:ingest_batch",
    "ingest_file": "signaltrust.text.ingest:ingest_file",
    "ingest_url": "signaltrust.text.ingest:ingest_url",
    "FetchOptions": "signaltrust.text.fetch:FetchOptions",
    "SentimentModel": "signaltrust.text.sentiment:SentimentModel",
    "TransformerSentiment": "signaltrust.text.sentiment:TransformerSentiment",
    "FinanceLexicon": "signaltrust.text.sentiment:FinanceLexicon",
    "EntityExtractor": "signaltrust.text.entities:EntityExtractor",
    "TickerDictionary": "signaltrust.text.entities:TickerDictionary",
    "detect_events": "signaltrust.text.events:detect_events",
    "EVENT_TYPES": "signaltrust.text.events:EVENT_TYPES",
    "TextAnalyzer": "signaltrust.text.analysis:TextAnalyzer",
    "mentions_frame": "signaltrust.text.mentions:mentions_frame",
    "TextFeatures": "signaltrust.text.features:TextFeatures",
    "MiniLMEmbedder": "signaltrust.text.embeddings:MiniLMEmbedder",
    "HashingEmbedder": "signaltrust.text.embeddings:HashingEmbedder",
    "FaissVectorStore": "signaltrust.text.vectors:FaissVectorStore",
    "NewsIndex": "signaltrust.text.retrieval:NewsIndex",
    "PgVectorStore": "signaltrust.text.vectors_pg:PgVectorStore",
    "PatternMemory": "signaltrust.text.patterns:PatternMemory",
    "event_study": "signaltrust.text.event_study:event_study",
    "compare_models": "signaltrust.text.evaluation:compare_models",
    "load_corpus": "signaltrust.text.evaluation:load_corpus",
})

__all__ = [
    "Document", "DocumentStore", "EVENT_TYPES", "EntityExtractor", "FaissVectorStore",
    "FetchOptions", "FinanceLexicon", "HashingEmbedder", "IngestReport", "MiniLMEmbedder",
    "NewsIndex", "PatternMemory", "PgVectorStore", "SentimentModel", "TextAnalyzer",
    "TextFeatures", "TickerDictionary", "TransformerSentiment", "detect_events", "event_study",
    "compare_models", "ingest_batch", "ingest_file", "ingest_url", "load_corpus",
    "mentions_frame",
]
