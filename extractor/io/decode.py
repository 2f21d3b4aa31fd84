"""Bytes → text: BOMs, UTF-8, UTF-16, GB18030/GBK, Big5; refuses binary data with ``InputError``."""

from __future__ import annotations

import codecs
import re

from extractor.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Characters common in these reports; a decoding that yields them is more likely right.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
)
MAX_CONTROL_SHARE = 0.01


def _score(text: str) -> float:
    """Plausibility of a decoding: share of common CJK characters minus replacement/odd characters."""
    if not text:
        return 0.0
    han = _HAN.findall(text)
    common = sum(1 for ch in han if ch in _COMMON)
    bad = text.count("\ufffd") + sum(1 for ch in text if "\ue000" <= ch <= "\uf8ff")
    return (common + 0.2 * len(han) - 5 * bad) / len(text)


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls / max(len(sample), 1) > MAX_CONTROL_SHARE


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return ``(text, codec)``. Raises ``InputError`` for empty or binary input."""
    if not data.strip():
        raise InputError("empty input")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    if _looks_utf16(data):
        codec = "utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be"
        text = data.decode(codec, errors="replace")
        if _control_share(text) > MAX_CONTROL_SHARE:
            raise InputError("binary data, not text (control characters after UTF-16 decoding)")
        return text, codec
    if _looks_binary(data):
        raise InputError("binary data, not text (control bytes in the first 64 KiB)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:  # a file cut inside its last character
            return data.decode("utf-8", errors="replace"), "utf-8"
    return _best_guess(data)


def _best_guess(data: bytes) -> tuple[str, str]:
    """Not UTF-8: the decoding among the Chinese codecs (and UTF-16 for an even length) that reads most like text."""
    codecs_to_try = ["gb18030", "big5", "utf-8"]
    if len(data) % 2 == 0:
        codecs_to_try += ["utf-16-le", "utf-16-be"]
    candidates = []
    for codec in codecs_to_try:
        text = data.decode(codec, errors="replace")
        candidates.append((_score(text), codec, text))
    best = max(candidates, key=lambda c: c[0])
    return best[2], best[1]


def _control_share(text: str) -> float:
    sample = text[:32768]
    return sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f") / max(len(sample), 1)


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 4:
        return False
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    half = len(sample) / 2
    return max(zeros_even, zeros_odd) > 0.3 * half and min(zeros_even, zeros_odd) < 0.05 * half
