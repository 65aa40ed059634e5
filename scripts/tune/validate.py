#!/usr/bin/env python3
"""Validate the tuning set's relevance labels against the plan texts (stdlib only): the fresh set's
checks (scripts/fresh/validate.py, same format and rules), run on this folder's files.

Usage: python3 validate.py [PLANS_DIR]   (default: the repository's corpus/plans)
"""
import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))

if __name__ == "__main__":
    spec = importlib.util.spec_from_file_location("fresh_validate", os.path.join(HERE, "..", "fresh", "validate.py"))
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    checks.HERE = HERE   # read this folder's labels.json and queries.tsv
    checks.main()
