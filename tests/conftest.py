"""Shared fixtures: the real five plans, parsed once per test session."""
import pytest

from corpus.loader import load_corpus


@pytest.fixture(scope="session")
def plans():
    """The five shipped plans, parsed, keyed by plan id."""
    return {p.id: p for p in load_corpus()}
