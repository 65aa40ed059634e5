"""A metadata proposal read from a plan's own text: title, region, administrative level, parent
plan, document number, issuer and date. Regions come from the administrative-division codes
shipped by the cpca package (resources/adcodes.csv), not from a hand-written list."""
from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import config
from corpus.lines import CHAPTER_DUN, CHAPTER_ZHANG, PREFACE, TOC_TITLE
from corpus.model import PlanInfo

_FRONT_LINES = 40
_DOC_NUMBER = re.compile(r"([\u4e00-\u9fa5]{1,12})\s*[〔\[［【（(]\s*(\d{4})\s*[〕\]］】）)]\s*(\d{1,4})\s*号")
_NOTICE = re.compile(r"^(?P<issuer>.{2,40}?)关于(?:印发|转发|发布)(?P<title>.+?)的(?:通知|函|决定)$")
_ISSUER = re.compile(r"^[\u4e00-\u9fa5（）()]{2,40}(?:人民政府办公室|人民政府办公厅|人民政府|人力资源和社会保障厅"
                     r"|人力资源和社会保障局|人力资源社会保障厅|人力资源社会保障局|委员会|办公室|办公厅)$")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_CN_DATE = re.compile(r"^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$")
_PLAN_WORD = re.compile(r"规划|纲要")
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


@dataclass
class Proposal:
    """What the document says about itself; every field may be empty."""
    title: str = ""
    region: str = ""
    level: str = ""
    parent: str = ""            # id of the enclosing jurisdiction's plan in the corpus
    parent_name: str = ""       # name of the enclosing jurisdiction
    doc_number: str = ""
    issuer: str = ""
    date: str = ""
    plan_id: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Place:
    adcode: str                 # six digits: province, city, county
    name: str

    @property
    def rank(self) -> int:
        """0 province, 1 city, 2 county."""
        return 0 if self.adcode.endswith("0000") else 1 if self.adcode.endswith("00") else 2


@lru_cache(maxsize=1)
def _places() -> dict[str, _Place]:
    spec = importlib.util.find_spec("cpca")
    path = Path(spec.origin).parent / "resources" / "adcodes.csv"
    with open(path, encoding="utf-8") as fh:
        return {r["adcode"][:6]: _Place(r["adcode"][:6], r["name"]) for r in csv.DictReader(fh)
                if r["name"] != "市辖区"}


@lru_cache(maxsize=1)
def _names() -> dict[str, list[_Place]]:
    """Full names and, for provinces and cities, names without their suffix (福建, 厦门)."""
    out: dict[str, list[_Place]] = {}
    for p in _places().values():
        out.setdefault(p.name, []).append(p)
        if p.rank < 2:
            for suffix in _SUFFIXES:
                if p.name.endswith(suffix) and len(p.name) - len(suffix) >= 2:
                    out.setdefault(p.name[:-len(suffix)], []).append(p)
                    break
    return out


def _ancestors(place: _Place) -> list[_Place]:
    """The enclosing city and province, nearest first (those the codes list)."""
    places = _places()
    codes = [place.adcode[:4] + "00", place.adcode[:2] + "0000"]
    return [places[c] for c in dict.fromkeys(codes) if c != place.adcode and c in places]


def find_place(text: str) -> _Place | None:
    """The most specific place named in a text (a title or a region), preferring places whose
    province or city the text names as well."""
    names = _names()
    found: list[tuple[int, _Place]] = []
    for name in sorted(names, key=len, reverse=True):
        pos = text.find(name)
        if pos >= 0:
            found += [(pos, p) for p in names[name]]
    if not found:
        return None
    named = {p.adcode for _, p in found}

    def score(item):
        pos, p = item
        support = sum(a.adcode in named for a in _ancestors(p))
        return (support, p.rank, -pos)
    return max(found, key=score)[1]


def region_name(place: _Place) -> str:
    """Province + city + county names, as in the manifest (福建省泉州市晋江市)."""
    return "".join(a.name for a in reversed(_ancestors(place))) + place.name


def level_of(place: _Place) -> str:
    if place.rank == 0:
        return "province"
    if place.rank == 1:
        return "sub-provincial city" if place.name in config.SUB_PROVINCIAL_CITIES else "prefecture-level city"
    return "county-level city"


def _squeeze(text: str) -> str:
    """Drop spaces between Chinese characters (titles are often letter-spaced or wrapped)."""
    return re.sub(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])", "", text).strip()


def _front(lines: list[str]) -> list[str]:
    out = []
    for ln in lines[:_FRONT_LINES * 3]:
        if CHAPTER_ZHANG.match(ln) or PREFACE.match(ln) or TOC_TITLE.match(ln.replace(" ", "")) or (
                CHAPTER_DUN.match(ln) and len(ln) <= 40):
            break
        out.append(ln)
    return out[:_FRONT_LINES]


def _title(front: list[str]) -> str:
    for ln in front:
        m = _NOTICE.match(_squeeze(ln))
        if m and _PLAN_WORD.search(m.group("title")):
            return m.group("title").strip("《》")
    for ln in front:
        s = _squeeze(ln.replace("**", ""))
        if _PLAN_WORD.search(s) and "。" not in s and len(s) <= 60 and not s.startswith("《"):
            return s
    return ""


def _date(lines: list[str]) -> str:
    for ln in lines:
        s = _squeeze(ln)
        m = _DATE.match(s)
        if m:
            return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        m = _CN_DATE.match(s)
        if m:
            digits = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
            year = "".join(digits[c] for c in m.group(1))
            month, day = (_cn_small(g) for g in (m.group(2), m.group(3)))
            return f"{year}-{month:02d}-{day:02d}"
    return ""


def _cn_small(s: str) -> int:
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    if "十" not in s:
        return digits.get(s, 0)
    tens, _, ones = s.partition("十")
    return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


def _plan_id(place: _Place | None, taken: set[str]) -> str:
    from pypinyin import lazy_pinyin

    if place is None:
        return ""
    base = place.name
    for suffix in _SUFFIXES + ("县", "区"):
        if base.endswith(suffix) and len(base) - len(suffix) >= 2:
            base = base[:-len(suffix)]
            break
    stem = re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(base)).lower()) or f"p{place.adcode}"
    candidate, k = stem, 2
    while candidate in taken:
        candidate, k = f"{stem}-{k}", k + 1
    return candidate[:40]


def propose(text: str, plans: list[PlanInfo]) -> Proposal:
    """Metadata for a plan text, read from the text itself; `plans` are those in the corpus."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip() and "\t" not in ln]
    front = _front(lines)
    prop = Proposal(title=_title(front))
    head_and_tail = front + lines[-_FRONT_LINES:]
    for ln in head_and_tail:
        m = _DOC_NUMBER.search(ln)
        if m and len(ln) <= 40:
            prop.doc_number = f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
            break
    for ln in front:
        m = _NOTICE.match(_squeeze(ln))
        if m:
            prop.issuer = m.group("issuer")
            break
    if not prop.issuer:
        prop.issuer = next((_squeeze(ln) for ln in reversed(head_and_tail) if _ISSUER.match(_squeeze(ln))), "")
    prop.date = _date(front) or _date(list(reversed(lines[-_FRONT_LINES:])))
    place = find_place(prop.title) if prop.title else None
    if place is None:
        prop.notes.append("未能从标题识别地区，请手动填写地区和级别")
    else:
        prop.region, prop.level = region_name(place), level_of(place)
        enclosing = _ancestors(place)
        if enclosing:
            prop.parent_name = enclosing[0].name
        by_code = {}
        for p in plans:
            found = find_place(p.region or p.title)
            if found is not None:
                by_code.setdefault(found.adcode, p.id)
        for a in enclosing:
            if a.adcode in by_code:
                prop.parent, prop.parent_name = by_code[a.adcode], a.name
                break
        if place.rank == 2 and not place.name.endswith("市"):
            prop.notes.append(f"“{place.name}”不是县级市，级别暂按县级处理，请确认")
    if not prop.title:
        prop.notes.append("未能识别规划标题，请手动填写")
    prop.plan_id = _plan_id(place, {p.id for p in plans})
    return prop
