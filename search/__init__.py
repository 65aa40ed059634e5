"""Retrieval over the plan chunks: query parsing, keyword / semantic / hybrid search, highlighting."""
from search.engine import Hit, SearchEngine, SearchResult
from search.query import QueryError

__all__ = ["Hit", "QueryError", "SearchEngine", "SearchResult"]
