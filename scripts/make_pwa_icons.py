"""Draw the installed app's icons (pwa/icons/*.png) from the favicon's design, in pure Python.

The favicon (static/favicon.svg) is a white wave on a blue rounded square. Home screens need
PNGs: 192 and 512 pixels, and "maskable" ones whose wave stays inside the central circle that
Android may cut out. Run again after changing the colours: python scripts/make_pwa_icons.py
"""

import itertools
import math
import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "pwa" / "icons"
BLUE = (10, 61, 122)  # the navigation bar's colour and the manifest's theme_color
WHITE = (255, 255, 255)
# The favicon's path "M7 20c3-9 6 3 9-6s6 3 9-6" on its 32-unit grid, as two cubic curves.
WAVE = [((7, 20), (10, 11), (13, 23), (16, 14)), ((16, 14), (19, 5), (22, 17), (25, 8))]
STROKE, CORNER = 3, 7


def wave_points(steps: int = 40) -> list[tuple[float, float]]:
    points = []
    for p0, p1, p2, p3 in WAVE:
        for i in range(steps + 1):
            t = i / steps
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            x = a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0]
            y = a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]
            points.append((x, y))
    return points


def distance_to_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((x - a[0]) * dx + (y - a[1]) * dy) / length))
    return math.hypot(x - a[0] - t * dx, y - a[1] - t * dy)


def draw(size: int, *, maskable: bool) -> list[list[tuple[int, int, int, int]]]:
    """RGBA rows: the wave, scaled into the safe zone when maskable, on a rounded square or a full square."""
    scale = size / 32 * (0.62 if maskable else 1.0)
    offset_x, offset_y = size / 2 - 16 * scale, size / 2 - 14 * scale  # the wave's middle at the centre
    points = [(offset_x + x * scale, offset_y + y * scale) for x, y in wave_points()]
    half = STROKE * scale / 2
    segments = list(itertools.pairwise(points))
    left, right = int(min(p[0] for p in points) - half - 1), int(max(p[0] for p in points) + half + 2)
    top, bottom = int(min(p[1] for p in points) - half - 1), int(max(p[1] for p in points) + half + 2)
    corner = 0 if maskable else CORNER * size / 32
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            x, y = px + 0.5, py + 0.5
            # Coverage of the rounded square, anti-aliased over one pixel at the corners.
            cx, cy = min(max(x, corner), size - corner), min(max(y, corner), size - corner)
            inside = 1.0 if corner == 0 else max(0.0, min(1.0, corner + 0.5 - math.hypot(x - cx, y - cy)))
            ink = 0.0
            if left <= px <= right and top <= py <= bottom:
                nearest = min(distance_to_segment(x, y, a, b) for a, b in segments)
                ink = max(0.0, min(1.0, half + 0.5 - nearest))
            color = tuple(round(blue + (white - blue) * ink) for blue, white in zip(BLUE, WHITE, strict=True))
            row.append((*color, round(255 * inside)))
        rows.append(row)
    return rows


def png(rows: list[list[tuple[int, int, int, int]]]) -> bytes:
    height, width = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-192.png", 192, True),
        ("maskable-512.png", 512, True),
        ("apple-touch-icon.png", 180, True),
    ]:
        (ICONS / name).write_bytes(png(draw(size, maskable=maskable)))
        print(f"wrote {ICONS / name}")


if __name__ == "__main__":
    main()
