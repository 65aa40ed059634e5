"""Streamlit page modules of the app (see app.py)."""
