"""A bar chart of questions per day, as a PNG for Telegram's sendPhoto.

Drawn with Pillow rather than matplotlib: one bar chart with a few labels does not justify
matplotlib's ~40 MB of NumPy, fonts and backends (and its slow first import) in a bot image,
while Pillow is a single, widely packaged, actively maintained wheel with no dependencies that
draws this in a few milliseconds. It is still an optional extra (``pip install
teman-umkm[charts]``): without it :func:`bar_chart_png` returns None and /stats sends its
numbers as text only, with a small text sparkline instead of the picture.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

WIDTH, HEIGHT = 900, 420
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 20, 48, 56
BAR_COLOUR = (37, 99, 235)
AXIS_COLOUR = (90, 90, 90)
GRID_COLOUR = (225, 225, 225)
FONT_SIZE = 15
TICKS = 5
SPARK_BARS = "▁▂▃▄▅▆▇█"


def available() -> bool:
    try:
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


def sparkline(values: Sequence[int]) -> str:
    """Unicode bars, for when there is no picture (or as a one-line summary)."""
    top = max(values, default=0)
    if top == 0:
        return SPARK_BARS[0] * len(values)
    return "".join(SPARK_BARS[round(value / top * (len(SPARK_BARS) - 1))] for value in values)


def _nice_top(value: int) -> int:
    """The axis maximum: ``value`` rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 5:
        return 5
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def bar_chart_png(labels: Sequence[str], values: Sequence[int], title: str) -> bytes | None:
    """One bar per value with its label under it (every few labels when crowded)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return None
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.load_default(size=FONT_SIZE)
    except TypeError:  # Pillow < 10.1: only the fixed bitmap font
        font = ImageFont.load_default()
    draw.text((MARGIN_LEFT, 14), title, fill=(0, 0, 0), font=font)
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    axis_top = _nice_top(max(values, default=0))
    for tick in range(TICKS + 1):  # the axis top is 5, 10, 20, 50…: whole-number steps
        value = axis_top * tick // TICKS
        y = bottom - (bottom - top) * tick / TICKS
        draw.line([(left, y), (right, y)], fill=GRID_COLOUR)
        draw.text((8, y - FONT_SIZE / 2), str(value), fill=AXIS_COLOUR, font=font)
    count = max(len(values), 1)
    slot = (right - left) / count
    label_every = max(1, -(-count // 15))
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + index * slot + slot * 0.15
        x1 = left + (index + 1) * slot - slot * 0.15
        height = (bottom - top) * value / axis_top
        if value:
            draw.rectangle([(x0, bottom - height), (x1, bottom)], fill=BAR_COLOUR)
        if (count - 1 - index) % label_every == 0:
            width = draw.textlength(label, font=font)
            x = min(max((x0 + x1 - width) / 2, left), WIDTH - width - 2)
            draw.text((x, bottom + 8), label, fill=AXIS_COLOUR, font=font)
    draw.line([(left, bottom), (right, bottom)], fill=AXIS_COLOUR, width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
