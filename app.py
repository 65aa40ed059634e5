"""人社“十四五”规划跨地区政策比对与检索 — Streamlit entry point.

Run from the repository root:  streamlit run app.py
Pages live in ui/*_page.py; shared helpers in ui/common.py. Every page keeps its state in the
address (st.query_params), so a link opens the same results; "/" forwards to /search.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import config  # noqa: E402,F401  (before numpy: it sets OpenBLAS's thread timeout)
import streamlit as st  # noqa: E402

from ui import common  # noqa: E402

APP_TITLE = "人社规划比对与检索"
SEARCH = st.Page("ui/search_page.py", title="检索", icon=":material/search:", url_path="search")


def _home() -> None:
    """The root address: the search page, under its own address, with the link's parameters."""
    st.switch_page(SEARCH, query_params=st.query_params.to_dict())


PAGES = [
    st.Page(_home, title="首页", icon=":material/search:", url_path="home", default=True,
            visibility="hidden"),
    SEARCH,
    st.Page("ui/compare_page.py", title="对照", icon=":material/view_column:", url_path="compare"),
    st.Page("ui/precedents_page.py", title="先例", icon=":material/history_edu:", url_path="precedents"),
    st.Page("ui/review_page.py", title="审查", icon=":material/fact_check:", url_path="review"),
    st.Page("ui/indicators_page.py", title="指标", icon=":material/monitoring:", url_path="indicators"),
    st.Page("ui/library_page.py", title="文库", icon=":material/library_books:", url_path="library"),
]

nav = st.navigation(PAGES)
st.set_page_config(page_title=f"{nav.title} · {APP_TITLE}", page_icon=nav.icon, layout="wide")
if nav is not PAGES[0]:
    common.inject_css()
    ctx = common.get_context()
    with st.sidebar:
        st.caption(common.esc(ctx.corpus_caption()))
        st.caption(common.esc(ctx.index_caption()))
        st.caption(f"{APP_TITLE}（人社“十四五”规划跨地区政策比对）")
nav.run()
