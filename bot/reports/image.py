"""The monthly report's summary as a PNG a cadre can forward in chat (Pillow; blocking: run
`SummaryPainter.render` in an executor).

Chinese needs a font with CJK glyphs. One is looked for once per process (`painter`):
REPORT_FONT first, then the usual system places, then `fc-match`. Each candidate must really
draw Chinese (fc-match answers with a Latin font when there is none), so no image ever shows
tofu boxes. With none found the image is not offered and the log says why, once.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.reports.monthly import MonthlyReport
from bot.reports.summary import month_name, response_time

log = logging.getLogger(__name__)

OFF = "off"
SYSTEM_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian/Ubuntu fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",  # Fedora, Arch
    "/System/Library/Fonts/PingFang.ttc",  # macOS
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",  # Windows: 微软雅黑
    "C:/Windows/Fonts/simhei.ttf",
)
"""Where CJK fonts usually are, checked in order after REPORT_FONT."""
PROBE = "团情分析青年问题答复率"
"""Characters a font must draw to be used."""
_MISSING = "\U0010fffd"
"""A private-use code point no font maps: what a font draws for a glyph it lacks."""

WIDTH = 1080
MARGIN = 56
GAP = 24
GREEN = (0, 122, 72)
"""The League-green accent."""
GREEN_DARK = (0, 84, 50)
GREEN_PALE = (232, 245, 237)
INK = (31, 41, 51)
GREY = (110, 118, 128)
LINE = (222, 228, 224)
WHITE = (255, 255, 255)
ORANGE = (214, 96, 20)
TOPICS_DRAWN = 5
ACTIVITIES_DRAWN = 4


class FontProblem(ValueError):
    """Why a font file cannot draw the report (for the log)."""


def _ink(font: ImageFont.FreeTypeFont, text: str) -> bytes:
    """What `font` draws for `text`, as pixels (to compare with the missing glyph)."""
    size = int(font.size * 2)
    canvas = Image.new("L", (size * max(1, len(text)), size))
    ImageDraw.Draw(canvas).text((size // 4, 0), text, font=font, fill=255)
    return canvas.tobytes()


def _face_index(path: Path) -> int:
    # Noto's CJK collections start with the Japanese face; the third is Simplified Chinese.
    return 2 if path.name.startswith("NotoSansCJK") and path.suffix == ".ttc" else 0


def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """The font at `path` in `size` px; raises FontProblem unless it draws Chinese."""
    try:
        font = ImageFont.truetype(str(path), size, index=_face_index(path))
    except OSError as exc:
        raise FontProblem(f"{path}: not a font file Pillow can read ({exc})") from None
    missing = _ink(font, _MISSING)
    for char in PROBE:
        drawn = _ink(font, char)
        if drawn == missing or not any(drawn):
            raise FontProblem(f"{path}: has no Chinese glyphs (e.g. {char})")
    return font


def _fc_match() -> str | None:
    """The file fontconfig offers for Chinese, if fontconfig is there."""
    command = shutil.which("fc-match")
    if command is None:
        return None
    try:
        done = subprocess.run(
            [command, "-f", "%{file}", ":lang=zh"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def find_font(
    configured: str = "", candidates: Sequence[str] = SYSTEM_FONTS, fontconfig: bool = True
) -> tuple[Path | None, str]:
    """The first font that draws Chinese: `configured` (REPORT_FONT), then `candidates`, then
    fontconfig's choice; with the reason when none does (None, why)."""
    configured = configured.strip()
    if configured.lower() == OFF:
        return None, "REPORT_FONT=off"
    tried: list[str] = []
    paths: list[str] = [configured] if configured else []
    paths.extend(candidates)
    if fontconfig:
        matched = _fc_match()
        if matched:
            paths.append(matched)
    for name in dict.fromkeys(paths):
        path = Path(name).expanduser()
        if not path.is_file():
            if name == configured:
                tried.append(f"REPORT_FONT {path}: no such file")
            continue
        try:
            load_font(path, 24)
        except FontProblem as exc:
            tried.append(str(exc))
            continue
        return path, ""
    why = "; ".join(tried) if tried else "no CJK font installed"
    return None, f"{why} (install fonts-wqy-microhei or fonts-noto-cjk, or set REPORT_FONT)"


@dataclass(frozen=True, slots=True)
class _Fonts:
    title: ImageFont.FreeTypeFont
    subtitle: ImageFont.FreeTypeFont
    figure: ImageFont.FreeTypeFont
    label: ImageFont.FreeTypeFont
    body: ImageFont.FreeTypeFont
    small: ImageFont.FreeTypeFont


class SummaryPainter:
    """Draws `MonthlyReport`s with one CJK font: 1080 px wide, type large enough to read on a
    phone without zooming."""

    def __init__(self, font: Path) -> None:
        self.font = font
        self._fonts = _Fonts(*(load_font(font, size) for size in (68, 38, 64, 30, 36, 26)))
        self._missing = _ink(self._fonts.small, _MISSING)
        self._drawable: dict[str, bool] = {}
        self._lock = threading.Lock()
        """One drawing at a time: a FreeType face is not for two threads at once."""

    def render(self, report: MonthlyReport, generated: datetime | None = None) -> bytes:
        """The summary of `report` as PNG bytes."""
        with self._lock:
            return self._render(report, generated)

    def _render(self, report: MonthlyReport, generated: datetime | None) -> bytes:
        canvas = Image.new("RGB", (WIDTH, 4000), WHITE)
        draw = ImageDraw.Draw(canvas)
        y = self._header(draw, report)
        y = self._figures(draw, report, y + GAP * 2)
        y = self._topics(draw, report, y + GAP * 2)
        y = self._activities(draw, report, y + GAP * 2)
        y = self._diaries(draw, report, y + GAP * 2)
        y = self._footer(draw, report, y + GAP * 2, generated)
        out = io.BytesIO()
        # 256 colours hold green, grey and their anti-aliasing: a third of the bytes to send.
        image = canvas.crop((0, 0, WIDTH, y)).quantize(colors=256, dither=Image.Dither.NONE)
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()

    # ---- text helpers ------------------------------------------------------------------

    def _clean(self, text: str) -> str:
        """`text` without the characters the font lacks (an emoji in an activity title):
        left out rather than drawn as boxes."""
        kept = []
        for char in text:
            if char not in self._drawable:
                drawn = _ink(self._fonts.small, char)
                self._drawable[char] = char.isspace() or (drawn != self._missing and any(drawn))
            if self._drawable[char]:
                kept.append(char)
        return "".join(kept)

    def _fit(
        self, draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float
    ) -> str:
        """`text` (cleaned), shortened with … to fit `width` px."""
        text = self._clean(text)
        if draw.textlength(text, font=font) <= width:
            return text
        while text and draw.textlength(text + "…", font=font) > width:
            text = text[:-1]
        return text + "…"

    # ---- parts -------------------------------------------------------------------------

    def _header(self, draw: ImageDraw.ImageDraw, report: MonthlyReport) -> int:
        fonts = self._fonts
        height = 230
        draw.rectangle((0, 0, WIDTH, height), fill=GREEN)
        draw.rectangle((0, height - 10, WIDTH, height), fill=GREEN_DARK)
        draw.text((MARGIN, 46), "团情分析月报", font=fonts.title, fill=WHITE)
        scope = self._fit(draw, report.scope, fonts.subtitle, WIDTH - 2 * MARGIN - 240)
        draw.text((MARGIN, 142), scope, font=fonts.subtitle, fill=WHITE)
        month = month_name(report)
        draw.text((WIDTH - MARGIN, 142 + 19), month, font=fonts.subtitle, fill=WHITE, anchor="rm")
        return height

    def _figures(self, draw: ImageDraw.ImageDraw, report: MonthlyReport, y: int) -> int:
        f, p = report.figures, report.previous
        cards = [
            ("收到问题", str(f.collected), _versus(f.collected, p.collected)),
            ("答复率", f"{report.answer_rate:.0%}", f"机器人 {f.by_faq} · 团干部 {f.by_people}"),
            ("点赞", str(f.likes), f"没用 {f.not_helpful}"),
            ("首次回复中位", response_time(f.median_first_response), "从提问到第一次答复"),
            ("超时工单", str(f.overdue), f"上月 {p.overdue}"),
            ("点亮微心愿", str(report.wishes_lit), f"待认领 {report.wishes_open}"),
        ]
        fonts = self._fonts
        width = (WIDTH - 2 * MARGIN - GAP) // 2
        height = 200
        for i, (label, value, note) in enumerate(cards):
            left = MARGIN + (i % 2) * (width + GAP)
            top = y + (i // 2) * (height + GAP)
            draw.rounded_rectangle(
                (left, top, left + width, top + height), radius=20, fill=GREEN_PALE
            )
            draw.rectangle((left, top + 24, left + 8, top + height - 24), fill=GREEN)
            inner = width - 64
            draw.text((left + 32, top + 22), label, font=fonts.label, fill=GREY)
            figure = (
                fonts.figure
                if draw.textlength(value, font=fonts.figure) <= inner
                else (fonts.subtitle)
            )
            draw.text((left + 32, top + 66), value, font=figure, fill=GREEN_DARK)
            draw.text(
                (left + 32, top + 150),
                self._fit(draw, note, fonts.small, inner),
                font=fonts.small,
                fill=GREY,
            )
        rows = (len(cards) + 1) // 2
        return y + rows * height + (rows - 1) * GAP

    def _section(self, draw: ImageDraw.ImageDraw, title: str, y: int) -> int:
        fonts = self._fonts
        draw.rectangle((MARGIN, y + 6, MARGIN + 10, y + 46), fill=GREEN)
        draw.text((MARGIN + 26, y), title, font=fonts.subtitle, fill=INK)
        return y + 64

    def _topics(self, draw: ImageDraw.ImageDraw, report: MonthlyReport, y: int) -> int:
        fonts = self._fonts
        y = self._section(draw, "热点话题 TOP 5", y)
        topics = report.topics[:TOPICS_DRAWN]
        if not topics:
            draw.text((MARGIN, y), "这个月还没有问题。", font=fonts.body, fill=GREY)
            return y + 50
        most = max(max(t.count for t in topics), 1)
        bar_left, bar_right = MARGIN + 420, WIDTH - MARGIN - 100
        for rank, topic in enumerate(topics, 1):
            draw.text((MARGIN, y + 4), f"{rank}", font=fonts.body, fill=GREEN)
            mark = "新话题，上月没有" if topic.is_new else f"上月 {topic.last_month}"
            name_width = bar_left - MARGIN - 70 - 24
            if topic.is_new:
                name_width -= 70
            name = self._fit(draw, topic.name, fonts.body, name_width)
            draw.text((MARGIN + 50, y + 4), name, font=fonts.body, fill=INK)
            end = MARGIN + 50 + draw.textlength(name, font=fonts.body)
            if topic.is_new:
                draw.rounded_rectangle((end + 14, y + 8, end + 70, y + 48), radius=8, fill=ORANGE)
                draw.text((end + 42, y + 28), "新", font=fonts.small, fill=WHITE, anchor="mm")
            length = max(6, round((bar_right - bar_left) * topic.count / most))
            draw.rounded_rectangle(
                (bar_left, y + 10, bar_left + length, y + 44), radius=8, fill=GREEN
            )
            draw.text(
                (WIDTH - MARGIN, y + 27), str(topic.count), font=fonts.body, fill=INK, anchor="rm"
            )
            draw.text((bar_left, y + 52), mark, font=fonts.small, fill=GREY)
            y += 104
        return y

    def _activities(self, draw: ImageDraw.ImageDraw, report: MonthlyReport, y: int) -> int:
        fonts = self._fonts
        y = self._section(draw, "活动与参与", y)
        if not report.activities:
            draw.text((MARGIN, y), "这个月没有活动。", font=fonts.body, fill=GREY)
            return y + 50
        rate = f"，签到率 {report.checked / report.signed:.0%}" if report.signed else ""
        line = (
            f"活动 {len(report.activities)} 场，报名 {report.signed} 人，"
            f"签到 {report.checked} 人{rate}"
        )
        draw.text(
            (MARGIN, y),
            self._fit(draw, line, fonts.body, WIDTH - 2 * MARGIN),
            font=fonts.body,
            fill=INK,
        )
        y += 64
        for held in report.activities[:ACTIVITIES_DRAWN]:
            turnout = f"签到 {held.figures.checked} / 报名 {held.figures.signed}"
            right = draw.textlength(turnout, font=fonts.small)
            title = self._fit(
                draw, held.activity.title, fonts.small, WIDTH - 2 * MARGIN - right - 60
            )
            draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=LINE, width=2)
            draw.text((MARGIN, y + 14), "· " + title, font=fonts.small, fill=INK)
            draw.text((WIDTH - MARGIN, y + 14), turnout, font=fonts.small, fill=GREY, anchor="ra")
            y += 56
        if len(report.activities) > ACTIVITIES_DRAWN:
            more = f"另有 {len(report.activities) - ACTIVITIES_DRAWN} 场，见详细报告"
            draw.text((MARGIN, y + 10), more, font=fonts.small, fill=GREY)
            y += 50
        return y

    def _diaries(self, draw: ImageDraw.ImageDraw, report: MonthlyReport, y: int) -> int:
        d = report.diaries
        if not (d.diaries or d.open_count):
            return y - GAP * 2  # no section for a month without visits
        fonts = self._fonts
        y = self._section(draw, "团情日记", y)
        lines = [
            (
                f"{d.diaries} 篇（{d.authors} 名团干部），走访 {len(d.by_org)} 个组织，"
                f"见青年 {d.youths} 人",
                fonts.body,
                INK,
            ),
            (f"待跟进 {d.open_count} 件", fonts.body, ORANGE if d.open_count else INK),
        ]
        if d.recurring:
            recurring = "、".join(f"{p.name} {p.diaries}" for p in d.recurring[:5])
            lines.append((f"反映较多：{recurring}", fonts.small, GREY))
        for line, font, colour in lines:
            draw.text(
                (MARGIN, y), self._fit(draw, line, font, WIDTH - 2 * MARGIN), font=font, fill=colour
            )
            y += 58
        return y

    def _footer(
        self,
        draw: ImageDraw.ImageDraw,
        report: MonthlyReport,
        y: int,
        generated: datetime | None,
    ) -> int:
        fonts = self._fonts
        draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=LINE, width=2)
        note = "青声 · 事事有记录、件件有解答"
        if generated is not None:
            note += f" · {generated.astimezone(report.zone):%Y-%m-%d %H:%M} 生成"
        draw.text((MARGIN, y + 22), note, font=fonts.small, fill=GREY)
        return y + 22 + 26 + MARGIN


def _versus(now: int, before: int) -> str:
    if before == 0:
        return "上月 0"
    delta = (now - before) / before
    return f"上月 {before}，{'多' if delta >= 0 else '少'} {abs(delta):.0%}"


@lru_cache(maxsize=8)
def painter(font_setting: str = "") -> SummaryPainter | None:
    """The painter of this process for REPORT_FONT `font_setting` (looked for once; None, with
    the reason logged once, when no font draws Chinese)."""
    path, why = find_font(font_setting)
    if path is None:
        log.warning("monthly report: no PNG summary, /月报 sends text and the link: %s", why)
        return None
    log.info("monthly report: PNG summary drawn with %s", path)
    return SummaryPainter(path)
