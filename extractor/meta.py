"""Report metadata (agency, report year, publication date), sections, and figures outside the tables."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from extractor.schema import Figure, Meta, Section, SectionKey
from extractor.segment import section_bounds
from extractor.types import NormalizedDoc

_GAP = r"[ \t\n]*"  # a title broken over lines
_YEAR_OF = rf"(?P<year>(?:19|20)\d{{2}}){_GAP}年{_GAP}度?{_GAP}"
_DISCLOSURE = (
    rf"(?:政{_GAP}府{_GAP})?(?:信{_GAP}息{_GAP}公{_GAP}开|政{_GAP}务{_GAP}公{_GAP}开)(?:{_GAP}工{_GAP}作)?{_GAP}"
)
_REPORT = rf"(?:年{_GAP}度{_GAP})?(?:工{_GAP}作{_GAP})?(?:的{_GAP})?(?:年{_GAP}度{_GAP})?(?:报{_GAP}告|年{_GAP}报)"
_AGENCY = r"(?P<agency>[^\n\t:。;]{0,40}?)"
# The title as reports print it, in each order of its parts (the first one found in the text is the title):
# 某局2021年政府信息公开工作年度报告 · 2021年某局政府信息公开工作年度报告 · 某局政府信息公开工作2021年度报告
_TITLES = tuple(
    re.compile(pattern)
    for pattern in (
        rf"(?:标题{_GAP}:{_GAP})?{_AGENCY}{_GAP}{_YEAR_OF}(?:的)?{_GAP}{_DISCLOSURE}{_REPORT}",
        rf"(?:标题{_GAP}:{_GAP})?{_YEAR_OF}(?P<agency>[^\t:。;]{{2,40}}?){_GAP}{_DISCLOSURE}{_REPORT}",
        rf"(?:标题{_GAP}:{_GAP})?{_AGENCY}{_GAP}{_DISCLOSURE}{_YEAR_OF}(?:工{_GAP}作{_GAP})?(?:报{_GAP}告|年{_GAP}报)",
    )
)
# A year written in Chinese numerals (二〇二一年), read as digits for finding the title (one character each).
_CN_YEAR = re.compile(r"[一二][〇零0○一二三四五六七八九]{3}(?=\s*年)")
_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")
# A notice a report cites (关于编制2020年政府信息公开年度报告…的通知), not the report's own title.
_NOTICE = re.compile(r"关于(?:编制|做好|报送|印发|开展)|的?(?:通知|函)")
# What may stand before an agency name inside a sentence that carries the title (现公布…, 编制了…).
_LEAD = re.compile(r".*(?:现公布|现将|公布|发布|编制了|编制|印发|制定|形成|根据|关于|[《“\"(),、])")
_AGENCY_TAIL = re.compile(
    r"(?:政府|办公室|办事处|局|委员会|委|厅|部|署|院|室|所|站|中心|区|县|市|州|省|镇|乡|街道|管委会|公司|实验区|开发区|新区)$"
)
# The statistical period (统计期限为2024年1月1日…), the covered year stated outright.
_PERIOD_YEAR = re.compile(
    r"(?:统计期限|统计时限|统计期间|统计时间|数据统计|统计区间|时间范围)[^。\n]{0,12}?(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"
    r"|(?P<year2>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*"
    r"(?:(?:19|20)\d{2}\s*年\s*)?12\s*月\s*31\s*日"
    r"|截至\s*(?P<year3>(?:19|20)\d{2})\s*年\s*12\s*月"
)
# The overview's first sentence names the year and, often, the agency:
# 2022年以来,丰收乡在… / 2021年信州区人民政府政务公开工作…
_OPENING = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年(?:度)?(?:以来|来|里|中)?\s*[,,、]?\s*"
    r"(?P<agency>[\u4e00-\u9fff]{2,24}?(?:人民政府办公室|人民政府|政府办公室|办事处|管委会|委员会|办公室|街道|局|乡|镇|区|县|市))"
    r"(?=在|严格|坚持|认真|围绕|深入|按照|根据|依据|全面|紧紧|始终|持续|扎实|不断|切实|高度|进一步|以|把|将|积极|继续|共|主动|"
    r"依法|通过|聚焦|立足|注重|加强|大力|着力|政务公开|政府信息公开|信息公开)"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_CITY_CHARS = re.compile(r"[\u4e00-\u9fff]+")
_NOT_CITY = re.compile(r"[全本各我该省县区州乡镇在的和与及对为是由、]")
_PUBLISHED = re.compile(
    r"(?:发布时间|发布日期|公开日期|成文日期|发文日期|日期)\s*[:]?\s*(?P<y>(?:19|20)\d{2})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})"
)
PREAMBLE_CHARS = 800
HEAD_CHARS = 3000


def find_meta(doc: NormalizedDoc) -> Meta:
    """Agency, year covered and publication date, from what the text says (``None`` when it never says).

    The year and agency come, in this order, from the title (also inside 现公布…报告 sentences, and across
    line breaks), the HTML ``<title>``, the statistical period, and the overview's opening sentence; the year
    last from the year the opening section names most. Agency names are read in simplified script, a bare
    市/区/县 organ (``市审计局``) gets the city the text names most, and 市政府 is written 市人民政府."""
    text = doc.text
    head = text[:HEAD_CHARS]
    year, agency, title_start, title_end, printed = _from_title(head)
    if title_end:
        agency = _wrapped_agency(head, title_start, printed, agency)
    if (agency is None or year is None) and doc.source.title_hint:
        hint_year, hint_agency, *_ = _from_title(_fold(doc.source.title_hint))
        year, agency = year or hint_year, agency or hint_agency
    opening = _OPENING.search(_overview_head(text))
    if year is None:
        period = _PERIOD_YEAR.search(head)
        if period:
            year = int(period["year"] or period["year2"] or period["year3"])
        elif opening:
            year = int(opening["year"])
        else:
            year = _most_named_year(text)
    if agency is None and opening and int(opening["year"]) == year:
        agency = _clean_agency(opening["agency"])
    if agency is None:
        agency = _signed_by(text)
    if agency:
        agency = _formal(_expand(agency, text, title_end))
    published = None
    pm = _PUBLISHED.search(text[:5000])
    if pm:
        published = f"{pm['y']}-{int(pm['m']):02d}-{int(pm['d']):02d}"
    return Meta(agency=agency, year=year, published=published)


def _from_title(head: str) -> tuple[int | None, str | None, int, int, str]:
    """(year, agency, start, end, the agency as printed) of the first title-like phrase that is not a cited
    notice, in any order of its parts; a year in Chinese numerals counts. A title with its year first or last
    must name an agency, on its line or the lines above (else ``2021年政府信息公开…`` of a sentence would read
    政府 as one)."""
    head = _CN_YEAR.sub(lambda m: m.group().translate(_CN_DIGITS), head)
    found = []
    for order, rx in enumerate(_TITLES):
        for m in rx.finditer(head):
            printed = m.group("agency").strip()
            agency = _clean_agency(printed) or (_wrapped_agency(head, m.start(), printed, None) if order else None)
            if _cited_notice(head, m.start("year"), m.end(), printed) or (order and agency in (None, "政府")):
                continue
            found.append((m.start(), order, m, printed, agency))
            break
    if not found:
        return None, None, 0, 0, ""
    _, _, m, printed, agency = min(found, key=lambda f: f[:2])
    return int(m.group("year")), agency, m.start(), m.end(), printed


def _cited_notice(head: str, start: int, end: int, agency: str) -> bool:
    """The phrase whose year is at ``start`` is a notice the report cites (《…关于编制2020年政府信息公开年度报告…的
    通知》), not its title."""
    opened = head.rfind("《", 0, start + 1)
    if opened > head.rfind("》", 0, start):  # inside 《…》: a notice if what the brackets hold is one
        closed = head.find("》", start)
        return bool(_NOTICE.search(head[opened : closed if closed >= 0 else end + 12]))
    return bool(_NOTICE.search(_LEAD.sub("", agency)) or _NOTICE.match(head, end))


# The signature (落款) that ends a report: the agency's name on a line of its own, its date on the next.
_SIGNATURE = re.compile(
    r"(?m)^[ \t]*(?P<agency>[\u4e00-\u9fff()]{2,30})[ \t]*\n[ \t]*"
    r"(?:(?:19|20)\d{2}|[一二][〇零○一二三四五六七八九]{3})[ \t]*年[ \t]*[\d一二三四五六七八九十〇零○]{1,3}[ \t]*月"
)
SIGNATURE_CHARS = 400  # the signature stands within this many characters of the text's end


def _signed_by(text: str) -> str | None:
    """The agency that signs the report at its end (``沭阳县发展和改革局`` / ``2024年1月17日``), if a name."""
    tail = text[-SIGNATURE_CHARS:]
    names = [_clean_agency(m["agency"]) for m in _SIGNATURE.finditer(tail)]
    return next((n for n in reversed(names) if n), None)


def _clean_agency(raw: str) -> str | None:
    name = re.sub(r"关于$", "", re.sub(r"\s+", "", raw))  # 某局关于2021年…的年度报告 (关于 after the name)
    name = _LEAD.sub("", name)
    name = re.sub(r"^[^\u4e00-\u9fff]+", "", name)  # markdown '#', list marks, quotes before the name
    name = re.sub(r"[】\]」』]+$", "", name)  # 【某局】2021年…
    name = re.sub(r"^(?:标题:?|我|本|由|对|在|了)", "", name)
    if len(name) < 2 or not _AGENCY_TAIL.search(name) or not re.fullmatch(r"[\u4e00-\u9fff()]+", name):
        return None
    return name


def _overview_head(text: str) -> str:
    m = re.search(r"(?:一\s*[、.,]\s*)?(?:总体情况|概述)", text[:HEAD_CHARS])
    start = m.end() if m else 0
    return text[start : start + 300]


def _most_named_year(text: str) -> int | None:
    years = Counter(int(y) for y in _YEAR.findall(text[:HEAD_CHARS]))
    return years.most_common(1)[0][0] if years else None


def _fold(text: str) -> str:
    return text.replace("：", ":").replace("（", "(").replace("）", ")")


_NAME_LINE = re.compile(r"[\u4e00-\u9fff()]{1,24}")
_PLACE_START = re.compile(r"[\u4e00-\u9fff]{2,}?[省市县区州旗盟]")  # a name that starts with its place: 尧都区…
_BARE_PLACE = re.compile(r"[\u4e00-\u9fff]{1,4}[省市县区州旗盟镇乡]")


def _wrapped_agency(head: str, start: int, printed: str, agency: str | None) -> str | None:
    """The agency of a title that starts its line, with the lines above that carry the rest of its name: a name
    on the line above (尧都区人民政府 / 2020年…年报) or one broken inside it (旬阳县人民政府 / 办公室2019年…,
    旬 / 阳县…). A line above joins while it is a short run of Chinese characters (after a 现公布… lead), and
    stops once the name starts with its place, or when the line above and the name are each a whole name (a
    site banner over a title)."""
    line_start = head.rfind("\n", 0, start) + 1
    if head[line_start:start].strip():
        return agency
    name, pos, joined = re.sub(r"\s+", "", printed), line_start, False
    for _ in range(2):
        if pos == 0 or _PLACE_START.match(name):
            break
        above_start = head.rfind("\n", 0, pos - 1) + 1
        raw = re.sub(r"\s+", "", head[above_start:pos])
        above = _LEAD.sub("", raw)
        if not _NAME_LINE.fullmatch(above):
            break
        whole_above = len(above) >= 3 and bool(_AGENCY_TAIL.search(above)) and not _BARE_PLACE.fullmatch(above)
        if whole_above and len(name) >= 4 and _AGENCY_TAIL.search(name):
            break
        name, pos, joined = above + name, above_start, True
        if above != raw:  # the line began a sentence (现公布…): the name starts here
            break
    return (_clean_agency(name) or agency) if joined else agency


def _formal(agency: str) -> str:
    """The formal name: 市政府办公室 → 市人民政府办公室, 区政府 → 区人民政府."""
    return re.sub(r"(?<=[市区县州旗])政府", "人民政府", agency)


def _most_named_city(text: str) -> str | None:
    """The city the text names most (``黄石市``): of the two and three characters before each 市, the most
    frequent; a tie goes to the longer (张家口市, not 家口市)."""
    names: Counter[str] = Counter()
    for m in re.finditer("市", text):
        for n in (2, 3):
            cand = text[max(0, m.start() - n) : m.start()]
            if len(cand) == n and _CITY_CHARS.fullmatch(cand) and not _NOT_CITY.search(cand):
                names[cand + "市"] += 1
    if not names:
        return None
    best = max(names.items(), key=lambda kv: (kv[1], len(kv[0])))
    return best[0] if best[1] >= 2 else None


def _expand(agency: str, text: str, title_end: int) -> str:
    """'洪泽区人民政府' → '淮安市洪泽区人民政府' when the preamble after the title names it with its city;
    '市审计局' (a bare organ of the city) → '黄石市审计局' with the city the text names most."""
    if re.match(r"市(?!场)", agency):
        city = _most_named_city(text)
        return city + agency[1:] if city else agency
    if not re.match(r"[\u4e00-\u9fff]{2,6}?[区县]", agency):
        return agency
    prefixes: Counter[str] = Counter()
    preamble = text[title_end : title_end + PREAMBLE_CHARS]
    for m in re.finditer(re.escape(agency), preamble):
        before = preamble[max(0, m.start() - 6) : m.start()]
        for n in range(3, len(before) + 1):  # the shortest city name: 淮安市, not 由淮安市
            cand = before[-n:]
            if cand[-1] in "省市州盟" and re.fullmatch(r"[\u4e00-\u9fff]+", cand):
                prefixes[cand] += 1
                break
    if prefixes:
        return prefixes.most_common(1)[0][0] + agency
    return agency


def find_sections(doc: NormalizedDoc) -> dict[SectionKey, Section]:
    headings = doc.headings
    bounds = section_bounds(doc.text, headings)
    out: dict[SectionKey, Section] = {}
    for h in headings:
        start, end = bounds[h.key]
        out[h.key] = Section(
            title=doc.text[h.start : h.end], text=doc.text[h.end : end].strip(), span=doc.raw_span(start, end)
        )
    return out


_FIGURE = re.compile(
    r"(?P<label>[\u4e00-\u9fff“”\"]{2,16}?)\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>条|件|个|次|篇|项|人次|万元|元)"
)


def find_figures(doc: NormalizedDoc) -> list[Figure]:
    """Figures printed in the narrative (for reports without the official tables)."""
    figures = []
    for m in _FIGURE.finditer(doc.text):
        value = Decimal(m["value"])
        figures.append(
            Figure(
                label=m["label"].strip('“”"'),
                value=int(value) if value == value.to_integral_value() and "." not in m["value"] else value,
                unit=m["unit"],
                span=doc.raw_span(m.start("value"), m.end("value")),
            )
        )
    return figures
