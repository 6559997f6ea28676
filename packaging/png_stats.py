"""Is a PNG a real screenshot or a blank window? Standard library only, so any python3 can run it.

    python3 packaging/png_stats.py shot.png [--min-stddev 8] [--min-colors 16]

Prints width, height, the standard deviation of the grey level and the number of distinct colours,
and exits 1 if the picture is (nearly) one flat colour: what a window that never painted its widgets,
or painted them black, looks like.
"""

from __future__ import annotations

import argparse
import struct
import sys
import zlib
from pathlib import Path

_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type -> samples per pixel (palette images are not used)


def _unfilter(raw: bytes, width: int, height: int, bpp: int) -> list[bytearray]:
    stride = width * bpp
    rows: list[bytearray] = []
    prev = bytearray(stride)
    pos = 0
    for _ in range(height):
        kind = raw[pos]
        row = bytearray(raw[pos + 1 : pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + a) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + b) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + ((a + b) >> 1)) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(row)
        prev = row
    return rows


def png_stats(path: Path) -> dict[str, float]:
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    pos, idat = 8, b""
    width = height = depth = ctype = interlace = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if depth != 8 or ctype not in _CHANNELS or interlace:
        raise ValueError(
            f"{path}: unsupported PNG (bit depth {depth}, colour type {ctype}, interlace {interlace})"
        )
    bpp = _CHANNELS[ctype]
    rows = _unfilter(zlib.decompress(idat), width, height, bpp)
    # Sample a grid, not every pixel: pure-Python decoding of a full-HD screenshot is already slow enough.
    step = max(1, (width * height) // 200_000)
    greys: list[float] = []
    colours: set[tuple[int, ...]] = set()
    n = 0
    for row in rows:
        for x in range(0, width * bpp, bpp):
            n += 1
            if n % step:
                continue
            px = tuple(row[x : x + min(bpp, 3)])
            colours.add(px)
            greys.append(sum(px) / len(px))
    mean = sum(greys) / len(greys)
    var = sum((g - mean) ** 2 for g in greys) / len(greys)
    return {"width": width, "height": height, "mean": mean, "stddev": var**0.5, "colors": len(colours)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("png")
    ap.add_argument("--min-stddev", type=float, default=8.0)
    ap.add_argument("--min-colors", type=int, default=16)
    args = ap.parse_args()
    s = png_stats(Path(args.png))
    print(
        f"{args.png}: {s['width']}x{s['height']}, grey mean {s['mean']:.1f}, stddev {s['stddev']:.1f}, "
        f"{s['colors']} colours"
    )
    if s["stddev"] < args.min_stddev or s["colors"] < args.min_colors:
        print("png_stats: the screenshot is blank (one flat colour)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
