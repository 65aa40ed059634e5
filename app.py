"""人社“十四五”规划跨地区政策比对与检索 — Streamlit entry point.

Run from the repository root:  streamlit run app.py
Pages live in ui/*_page.py; shared helpers in ui/common.py.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

st.set_page_config(page_title="人社规划比对与检索", page_icon=":material/account_balance:",
                   layout="wide")

from ui import common  # noqa: E402

PAGES = [
    st.Page("ui/search_page.py", title="检索", icon=":material/search:", url_path="search", default=True),
    st.Page("ui/compare_page.py", title="对照", icon=":material/view_column:", url_path="compare"),
    st.Page("ui/precedents_page.py", title="先例", icon=":material/history_edu:", url_path="precedents"),
    st.Page("ui/review_page.py", title="审查", icon=":material/fact_check:", url_path="review"),
    st.Page("ui/indicators_page.py", title="指标", icon=":material/monitoring:", url_path="indicators"),
    st.Page("ui/library_page.py", title="文库", icon=":material/library_books:", url_path="library"),
]

nav = st.navigation(PAGES)
common.inject_css()
ctx = common.get_context()
with st.sidebar:
    st.caption(f"文库：{len(ctx.plans)} 份规划 · {len(ctx.engine.records)} 个检索单元")
    st.caption("人社“十四五”规划跨地区政策比对与检索")
nav.run()
