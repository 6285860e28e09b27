"""Quick phrases: structured trade messages rendered exactly in every reader's language."""

from rooms.phrases.catalogue import (
    CURRENCIES,
    INCOTERMS,
    LANGUAGES,
    Catalogue,
    Phrase,
    StoredPhrase,
    catalogue,
    reader_language,
)

__all__ = [
    "CURRENCIES",
    "INCOTERMS",
    "LANGUAGES",
    "Catalogue",
    "Phrase",
    "StoredPhrase",
    "catalogue",
    "reader_language",
]
