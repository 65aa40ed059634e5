"""Exports a reviewer can hand on: result → rows (`rows`), rows → .xlsx / .docx bytes (`writers`)."""
