"""ICC v2 matrix/TRC display profiles built from a colour space's published primaries, and the
same colour space's conversion to sRGB done in plain arithmetic, to check LittleCMS against.

Pillow's ImageCms creates only sRGB, LAB and XYZ profiles, so Display P3 and Adobe RGB (1998)
are written here: a header, ``desc``, ``cprt``, ``wtpt`` (D50), the three colorants (the
RGB -> XYZ matrix adapted from D65 to the D50 connection space with Bradford) and the three
tone curves (a gamma, or a 1024-entry table of the sRGB curve).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

Matrix = list[list[float]]

D65 = (0.3127, 0.3290)
D50_XYZ = (0.9642, 1.0, 0.8249)  # the ICC connection space's white
BRADFORD = [
    [0.8951, 0.2664, -0.1614],
    [-0.7502, 1.7135, 0.0367],
    [0.0389, -0.0685, 1.0296],
]


def srgb_decode(value: float) -> float:
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def srgb_encode(value: float) -> float:
    value = min(1.0, max(0.0, value))
    return value * 12.92 if value <= 0.0031308 else 1.055 * value ** (1 / 2.4) - 0.055


@dataclass(frozen=True)
class ColourSpace:
    name: str
    red: tuple[float, float]
    green: tuple[float, float]
    blue: tuple[float, float]
    gamma: float | None  # None: the sRGB curve
    white: tuple[float, float] = D65

    def decode(self, value: float) -> float:
        return srgb_decode(value) if self.gamma is None else value**self.gamma


# The published primaries (CIE xy): SMPTE EG 432-1 (Display P3), Adobe RGB (1998), IEC 61966-2-1.
DISPLAY_P3 = ColourSpace("Display P3", (0.680, 0.320), (0.265, 0.690), (0.150, 0.060), None)
ADOBE_RGB = ColourSpace(
    "Adobe RGB (1998)", (0.640, 0.330), (0.210, 0.710), (0.150, 0.060), 563 / 256
)
SRGB = ColourSpace("sRGB", (0.640, 0.330), (0.300, 0.600), (0.150, 0.060), None)


def _mul(a: Matrix, b: Matrix) -> Matrix:
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def _apply(m: Matrix, v: tuple[float, float, float]) -> tuple[float, float, float]:
    x, y, z = (sum(m[i][k] * v[k] for k in range(3)) for i in range(3))
    return x, y, z


def _inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return [
        [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
        [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
        [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
    ]


def _xyz(xy: tuple[float, float]) -> tuple[float, float, float]:
    x, y = xy
    return x / y, 1.0, (1 - x - y) / y


def rgb_to_xyz(space: ColourSpace) -> Matrix:
    """Linear RGB -> XYZ under the space's own white (Y of white = 1)."""
    columns = [_xyz(space.red), _xyz(space.green), _xyz(space.blue)]
    m = [[columns[j][i] for j in range(3)] for i in range(3)]
    scale = _apply(_inverse(m), _xyz(space.white))
    return [[m[i][j] * scale[j] for j in range(3)] for i in range(3)]


def to_d50(space: ColourSpace) -> Matrix:
    """The colorants an ICC profile stores: RGB -> XYZ adapted to D50 (Bradford)."""
    source = _apply(BRADFORD, _xyz(space.white))
    target = _apply(BRADFORD, D50_XYZ)
    gain = [[target[i] / source[i] if i == j else 0.0 for j in range(3)] for i in range(3)]
    adapt = _mul(_inverse(BRADFORD), _mul(gain, BRADFORD))
    return _mul(adapt, rgb_to_xyz(space))


def expected_srgb(space: ColourSpace, rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """What ``rgb`` in ``space`` is in sRGB (0-255, unrounded), in plain arithmetic: decode,
    to XYZ, to linear sRGB (both whites D65, so no adaptation), encode, clip."""
    linear = tuple(space.decode(c / 255) for c in rgb)
    xyz = _apply(rgb_to_xyz(space), linear)  # type: ignore[arg-type]
    out = _apply(_inverse(rgb_to_xyz(SRGB)), xyz)
    r, g, b = (srgb_encode(c) * 255 for c in out)
    return r, g, b


# ------------------------------------------------------------------------ the profile


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ \x00\x00\x00\x00" + _s15(x) + _s15(y) + _s15(z)


def _curve(space: ColourSpace) -> bytes:
    if space.gamma is not None:
        return b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(space.gamma * 256))
    table: Callable[[int], int] = lambda i: round(srgb_decode(i / 1023) * 65535)  # noqa: E731
    return (
        b"curv\x00\x00\x00\x00"
        + struct.pack(">I", 1024)
        + b"".join(struct.pack(">H", table(i)) for i in range(1024))
    )


def _desc(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\x00"
    return (
        b"desc\x00\x00\x00\x00"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)  # no Unicode description
        + struct.pack(">HB", 0, 0)  # no ScriptCode description
        + b"\x00" * 67
    )


def profile(space: ColourSpace) -> bytes:
    """An ICC v2.1 display profile of ``space`` (LittleCMS reads it; so would a browser)."""
    matrix = to_d50(space)
    curve = _curve(space)
    tags = [
        (b"desc", _desc(space.name)),
        (b"cprt", b"text\x00\x00\x00\x00No copyright, use freely\x00"),
        (b"wtpt", _xyz_tag(*D50_XYZ)),
        (b"rXYZ", _xyz_tag(*(row[0] for row in matrix))),
        (b"gXYZ", _xyz_tag(*(row[1] for row in matrix))),
        (b"bXYZ", _xyz_tag(*(row[2] for row in matrix))),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    return _assemble(tags, b"RGB ")


def _assemble(tags: list[tuple[bytes, bytes]], space: bytes) -> bytes:
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        padded = data + b"\x00" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntr"
        + space
        + b"XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\x00" * 4  # platform
        + b"\x00" * 4  # flags
        + b"\x00" * 8  # manufacturer, model
        + b"\x00" * 8  # attributes
        + struct.pack(">I", 0)  # perceptual
        + _s15(D50_XYZ[0])
        + _s15(D50_XYZ[1])
        + _s15(D50_XYZ[2])
        + b"\x00" * 4  # creator
        + b"\x00" * 44  # profile ID, reserved
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def grey_profile(gamma: float = 2.2, name: str = "Gray Gamma 2.2") -> bytes:
    """An ICC v2.1 greyscale display profile: one tone curve (``kTRC``), D50 white."""
    tags = [
        (b"desc", _desc(name)),
        (b"cprt", b"text\x00\x00\x00\x00No copyright, use freely\x00"),
        (b"wtpt", _xyz_tag(*D50_XYZ)),
        (b"kTRC", b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(gamma * 256))),
    ]
    return _assemble(tags, b"GRAY")


def expected_grey(value: int, gamma: float = 2.2) -> float:
    """A grey ``value`` of ``grey_profile(gamma)`` in sRGB (0-255, unrounded)."""
    stored_gamma = round(gamma * 256) / 256  # the curve's u8Fixed8 precision
    return srgb_encode((value / 255) ** stored_gamma) * 255
