"""Search: text analysis, the Whoosh index, queries, the static index. The only package that
imports whoosh.

Analysis is ours, in plain Python with caches, and Whoosh runs it through a one-step
tokenizer: the same function analyses documents, queries, snippets and the static index the
search page uses without a server, so every path finds the same terms.

The parts, each importing only parts listed before it:
- analysis.py: folding, stop words, stemming, the terms of a text, the analysis fingerprint;
- documents.py: the Whoosh schema, Document and Entry, a document's fields and their
  analysis, the index folder (its side files, opening it);
- queries.py: query limits, filters, the query parser;
- snippets.py: the passage of a text with the query's terms;
- searching.py: SearchIndex and search(): results, facets, snippets, suggestions;
- static_format.py: the static index's format (records, posting lists, script files);
- static_cache.py: the SQLite cache the static index is made from;
- static_export.py: the static index's files, in full or as changes;
- writer.py: write_index(), the index and the static cache built or updated.

This module re-exports the names the rest of broadsheet uses. A test that patches a
module's constant or function patches the part that reads it (e.g. writer.PARALLEL_FROM),
not this package: a name rebound here is not the one the part looks up.
"""

from broadsheet.model import slugify  # the keys of tags and sources, as the index makes them
from broadsheet.publish.search.analysis import (
    STEMMED, fingerprint, fold, route, term, terms_of, tokens)
from broadsheet.publish.search.documents import (
    FINGERPRINT_FILE, HASHES_FILE, LABELS_FILE, TEXT_FIELDS, Document, Entry, open_index, schema)
from broadsheet.errors import QueryError
from broadsheet.publish.search.queries import (
    FILTERS, MAX_DEPTH, MAX_QUERY_CHARS, MAX_WORDS, split_filters)
from broadsheet.publish.search.searching import SearchIndex, search
from broadsheet.publish.search.snippets import snippet_parts
from broadsheet.publish.search.static_cache import static_key, update_static_cache
from broadsheet.publish.search.static_export import StaticExport, export_static, static_files
from broadsheet.publish.search.static_format import fnv1a
from broadsheet.publish.search.writer import IndexReport, write_index

__all__ = [
    "FILTERS", "FINGERPRINT_FILE", "HASHES_FILE", "LABELS_FILE", "MAX_DEPTH", "MAX_QUERY_CHARS",
    "MAX_WORDS", "STEMMED", "TEXT_FIELDS", "Document", "Entry", "IndexReport", "QueryError",
    "SearchIndex", "StaticExport", "export_static", "fingerprint", "fnv1a", "fold",
    "open_index", "route", "schema", "search", "slugify", "snippet_parts", "split_filters",
    "static_files", "static_key", "term", "terms_of", "tokens", "update_static_cache",
    "write_index",
]
