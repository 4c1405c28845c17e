#!/usr/bin/env python3
"""Build every generated asset of Dreamlayer: the sprites and the sounds.

    python assets/make_assets.py [OUT_DIR] [--sheet SHEET.png]

OUT_DIR defaults to the folder this script sits in (the repository's `assets/`); the script
writes `OUT_DIR/sprites/*.png` and `OUT_DIR/sounds/*.wav` there and touches nothing else
(the fonts are vendored files, see README.md). Every random choice comes from a fixed seed,
so two runs write byte-identical files. `--sheet` also renders a contact sheet of every
sprite (scaled x3 on the dark night background) for looking at them.

Sprites are drawn with pygame and numpy at 4x resolution (shapes as signed-distance masks
or pygame polygons, soft glows as gaussian blurs) and averaged down, so edges are smooth and
the glow survives at 32 px. Sounds are synthesized with numpy (sines, filtered noise,
envelopes and a convolution reverb) and written as 16-bit mono 22050 Hz WAV; the ambient
loop is built from partials that are whole multiples of its period and a circular reverb,
so it loops without a seam.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import wave
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np
import numpy.typing as npt
import pygame

Arr = npt.NDArray[np.float64]
RGB = tuple[float, float, float]

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------
# palette

def hex_rgb(h: str) -> RGB:
    h = h.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


WHITE = (1.0, 1.0, 1.0)
INK = hex_rgb("#221a3c")          # glyph ink: a deep night indigo, the same for both realms
REALMS: dict[str, dict[str, RGB]] = {
    "sanctuary": {
        "base": hex_rgb("#f2c14e"), "light": hex_rgb("#fff0b8"),
        "dark": hex_rgb("#b27a16"), "glow": hex_rgb("#ffb640"),
    },
    "rest": {
        "base": hex_rgb("#3fc1b0"), "light": hex_rgb("#b8f5ea"),
        "dark": hex_rgb("#1b7d72"), "glow": hex_rgb("#2fe0c8"),
    },
}
NIGHT = hex_rgb("#14111f")
CADRE_BODY = hex_rgb("#3d3449")
CADRE_GLOW = hex_rgb("#e03fb0")
CADRE_RIM = hex_rgb("#f0dcff")
ETHAN_BODY = hex_rgb("#1f1826")
ETHAN_RIM = hex_rgb("#57466b")
CRIMSON = hex_rgb("#d0223f")

SPRITE_SIZES: dict[str, int] = {
    **{f"dreamer_{realm}_{role}": 64
       for realm in ("sanctuary", "rest") for role in ("architect", "innovator", "organizer")},
    "cadre": 64, "ethan": 96, "rift": 64, "rift_sealed": 64,
    "beacon_sanctuary": 24, "beacon_rest": 24,
    "ping_nightmare": 24, "ping_help": 24, "ping_rift": 24,
    "asleep": 16, "distorted": 24,
}
SOUND_NAMES: tuple[str, ...] = (
    "paint", "burst", "beacon", "rally", "shove", "distort", "asleep", "revive", "awaken",
    "rift_sealed", "hijack", "warning", "ping", "victory", "fracture", "click", "ambient",
)

# --------------------------------------------------------------------------------------
# drawing: a float RGBA canvas at S x resolution, premultiplied alpha

S = 4


class Art:
    """A square sprite designed on a grid of `size` units and written at `size * scale`
    pixels, drawn at S x that resolution; every coordinate and width is in design units."""

    def __init__(self, size: int, scale: int = 1) -> None:
        self.size = size * scale
        self.k = k = S * scale
        """hi-res pixels per design unit"""
        n = size * k
        self.n = n
        self.rgb: Arr = np.zeros((n, n, 3))
        self.a: Arr = np.zeros((n, n))
        c = (np.arange(n) + 0.5) / k
        self.x: Arr = np.broadcast_to(c[None, :], (n, n))
        self.y: Arr = np.broadcast_to(c[:, None], (n, n))

    # masks (values 0..1, shape (n, n), indexed [y, x]) ------------------------------
    def _edge(self, d: Arr) -> Arr:
        """A mask from a signed distance (sprite pixels, negative inside), 1 hi-res px soft."""
        return np.clip(0.5 - d * self.k, 0.0, 1.0)

    def circle(self, cx: float, cy: float, r: float) -> Arr:
        return self._edge(np.hypot(self.x - cx, self.y - cy) - r)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float) -> Arr:
        q = np.hypot((self.x - cx) / rx, (self.y - cy) / ry)
        return self._edge((q - 1.0) * min(rx, ry))

    def ring(self, cx: float, cy: float, r: float, w: float) -> Arr:
        return self._edge(np.abs(np.hypot(self.x - cx, self.y - cy) - r) - w / 2)

    def segment_dist(self, ax: float, ay: float, bx: float, by: float) -> Arr:
        px, py = self.x - ax, self.y - ay
        dx, dy = bx - ax, by - ay
        h = np.clip((px * dx + py * dy) / max(dx * dx + dy * dy, 1e-9), 0.0, 1.0)
        return np.hypot(px - dx * h, py - dy * h)

    def stroke(self, pts: Sequence[tuple[float, float]], w: float, closed: bool = False) -> Arr:
        """A polyline of width w with round caps and joins."""
        seq = list(pts) + ([pts[0]] if closed else [])
        d = np.full((self.n, self.n), 1e9)
        for (ax, ay), (bx, by) in itertools.pairwise(seq):
            d = np.minimum(d, self.segment_dist(ax, ay, bx, by))
        return self._edge(d - w / 2)

    def arc(self, cx: float, cy: float, r: float, a0: float, a1: float, w: float,
            steps: int = 24) -> Arr:
        """An arc from angle a0 to a1 (degrees, 0 = right, 90 = down)."""
        t = np.radians(np.linspace(a0, a1, steps))
        return self.stroke([(cx + r * np.cos(v), cy + r * np.sin(v)) for v in t], w)

    def poly(self, pts: Sequence[tuple[float, float]]) -> Arr:
        surf = pygame.Surface((self.n, self.n), pygame.SRCALPHA)
        pygame.draw.polygon(surf, (255, 255, 255, 255), [(x * self.k, y * self.k) for x, y in pts])
        return pygame.surfarray.array_alpha(surf).T.astype(np.float64) / 255.0

    # painting -------------------------------------------------------------------------
    def over(self, color: RGB | Arr, mask: Arr, alpha: float = 1.0) -> None:
        m = np.clip(mask * alpha, 0.0, 1.0)
        col = np.asarray(color, dtype=np.float64)
        self.rgb = col * m[..., None] + self.rgb * (1.0 - m[..., None])
        self.a = m + self.a * (1.0 - m)

    def glow(self, color: RGB, mask: Arr, radius: float, strength: float) -> None:
        """A soft halo: the mask blurred by `radius` sprite pixels, scaled, laid over."""
        self.over(color, np.clip(blur(mask, radius * self.k) * strength, 0.0, 1.0))

    def vgrad(self, top: RGB, bottom: RGB, y0: float, y1: float) -> Arr:
        t = np.clip((self.y - y0) / (y1 - y0), 0.0, 1.0)[..., None]
        return np.asarray(top) * (1 - t) + np.asarray(bottom) * t

    def rgrad(self, inner: RGB, outer: RGB, cx: float, cy: float, r: float) -> Arr:
        t = np.clip(np.hypot(self.x - cx, self.y - cy) / r, 0.0, 1.0)[..., None]
        return np.asarray(inner) * (1 - t) + np.asarray(outer) * t

    def surface(self) -> pygame.Surface:
        """Average down to the sprite size and un-premultiply into an RGBA surface."""
        k, n = S, self.size
        a = self.a.reshape(n, k, n, k).mean(axis=(1, 3))
        rgb = self.rgb.reshape(n, k, n, k, 3).mean(axis=(1, 3))
        col = np.where(a[..., None] > 1e-6, rgb / np.maximum(a[..., None], 1e-6), 0.0)
        col8 = np.clip(np.rint(col * 255), 0, 255).astype(np.uint8)
        a8 = np.clip(np.rint(a * 255), 0, 255).astype(np.uint8)
        a8[a8 < 3] = 0                  # the invisible last tail of a glow: clean background
        col8[a8 == 0] = 0
        surf = pygame.Surface((n, n), pygame.SRCALPHA)
        pygame.surfarray.pixels3d(surf)[...] = col8.transpose(1, 0, 2)
        pygame.surfarray.pixels_alpha(surf)[...] = a8.T
        return surf


def blur(m: Arr, sigma: float) -> Arr:
    """A separable gaussian blur (edges padded with zero), deterministic elementwise sums."""
    r = max(1, int(np.ceil(sigma * 2.5)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    h, w = m.shape
    p = np.pad(m, r)
    tmp = np.zeros((h + 2 * r, w))
    for i, kv in enumerate(k):
        tmp += kv * p[:, i:i + w]
    out = np.zeros((h, w))
    for i, kv in enumerate(k):
        out += kv * tmp[i:i + h, :]
    return out


def union(*ms: Arr) -> Arr:
    out: Arr = np.maximum.reduce(ms)
    return out


def cut(m: Arr, hole: Arr) -> Arr:
    return np.clip(m - hole, 0.0, 1.0)


# --------------------------------------------------------------------------------------
# sprites

def dreamer(realm: str, role: str) -> pygame.Surface:
    pal = REALMS[realm]
    art = Art(32, 2)
    head = art.circle(16, 8.6, 4.9)
    body = union(art.ellipse(16, 22.0, 8.4, 6.8), art.ellipse(16, 17.6, 6.2, 3.2))
    body = cut(body, np.clip((art.y - 28.2) * art.k, 0, 1))   # a flat hem
    extra = np.zeros_like(head)
    if role == "innovator":      # a NeuroNook antenna on the head
        extra = art.stroke([(18.4, 4.8), (20.6, 3.0)], 1.2)
    elif role == "organizer":    # a raised hand
        extra = union(art.stroke([(21.8, 18.0), (25.0, 12.2)], 2.3), art.circle(25.4, 10.2, 2.2))
    silhouette = union(head, body, extra)
    art.glow(pal["glow"], silhouette, 1.8, 1.4)
    # a thin dark rim keeps the figure readable on its own realm's paint
    art.over(mix(pal["dark"], INK, 0.35), np.clip(blur(silhouette, 0.55 * art.k) * 2.4, 0, 1), 0.9)
    shade = art.vgrad(pal["light"], pal["dark"], 3.0, 30.0)
    shade = shade * 0.55 + np.asarray(pal["base"]) * 0.45
    art.over(shade, silhouette)
    # a soft highlight on the head and the shoulders
    art.over(pal["light"], art.circle(14.6, 7.2, 2.2), 0.55)
    art.over(pal["light"], art.ellipse(13.0, 17.6, 3.4, 1.4), 0.35)
    if role == "innovator":
        art.glow(WHITE, art.circle(20.8, 2.9, 0.9), 0.7, 1.1)
        art.over(mix(pal["light"], WHITE, 0.6), art.circle(20.8, 2.9, 1.3))
    # the role glyph on the chest, in night ink
    art.over(INK, role_glyph(art, role), 0.92)
    return art.surface()


def role_glyph(art: Art, role: str) -> Arr:
    cx, cy = 16.0, 22.2
    if role == "architect":      # a drafting compass with its arc
        top = cy - 4.6
        legs = art.stroke([(cx - 3.4, cy + 4.4), (cx, top), (cx + 3.4, cy + 4.4)], 1.4)
        pivot = art.circle(cx, top, 1.5)
        swing = art.arc(cx, top, 6.6, 50, 130, 1.1)
        return union(legs, pivot, swing)
    if role == "innovator":      # a lens with a glint
        lens = art.ring(cx - 0.6, cy - 0.6, 3.4, 1.5)
        glint = art.arc(cx - 0.6, cy - 0.6, 1.6, 190, 260, 1.0)
        handle = art.stroke([(cx + 1.9, cy + 1.9), (cx + 4.0, cy + 4.0)], 1.7)
        return union(lens, glint, handle)
    # organizer: a ring of three joined hands (three dots on a circle)
    ring = art.ring(cx, cy, 3.3, 1.2)
    dots = union(*(art.circle(cx + 3.3 * np.cos(a), cy + 3.3 * np.sin(a), 1.35)
                   for a in np.radians([-90, 30, 150])))
    return union(ring, dots)


def cadre() -> pygame.Surface:
    art = Art(32, 2)
    hood = art.poly([(16, 3), (20.5, 7), (23.5, 14), (25, 21), (26.8, 28), (23.6, 26.4),
                     (21.2, 28.6), (18.5, 26.4), (16, 29), (13.5, 26.4), (10.8, 28.6), (8.4, 26.4),
                     (5.2, 28), (7, 21), (8.5, 14), (11.5, 7)])
    hood = union(hood, art.circle(16, 11, 6.2))
    art.glow(CADRE_GLOW, hood, 2.0, 1.25)
    # a pale rim: the robe is dark and so is the nightmare it walks on
    art.over(CADRE_RIM, np.clip(blur(hood, 0.45 * art.k) * 3.2, 0, 1), 0.95)
    art.over(art.vgrad(mix(CADRE_BODY, CADRE_GLOW, 0.18), mix(CADRE_BODY, NIGHT, 0.4), 3, 31),
             hood)
    face = art.ellipse(16, 12.5, 4.3, 3.7)
    art.over(NIGHT, face, 0.95)
    eyes = union(art.ellipse(14.0, 12.6, 1.05, 0.75), art.ellipse(18.0, 12.6, 1.05, 0.75))
    art.glow(CADRE_GLOW, eyes, 0.7, 1.6)
    art.over(hex_rgb("#ff9ae6"), eyes)
    # a sickly seam down the robe
    art.over(CADRE_GLOW, art.stroke([(16, 17), (16, 26)], 0.8), 0.45)
    return art.surface()


def ethan() -> pygame.Surface:
    art = Art(48, 2)
    cape = art.poly([(24, 13.5), (32, 15.5), (41.5, 13.5), (37, 20), (37.5, 30), (42, 43.5),
                     (35.5, 40), (30, 44.5), (24, 40.5), (18, 44.5), (12.5, 40), (6, 43.5),
                     (10.5, 30), (11, 20), (6.5, 13.5), (16, 15.5)])
    head = art.circle(24, 13.0, 5.6)
    crown = art.poly([(17.8, 10.5), (17.2, 3.2), (20.6, 7.0), (24, 2.4), (27.4, 7.0),
                      (30.8, 3.2), (30.2, 10.5)])
    body = union(cape, head, crown)
    art.glow(CRIMSON, body, 2.6, 0.9)
    art.glow(hex_rgb("#2a1030"), body, 1.0, 1.6)
    art.over(art.vgrad(mix(ETHAN_BODY, ETHAN_RIM, 0.55), ETHAN_BODY, 6, 42), body)
    # the crown in crimson with a dark band, a collar V and a seam down the cape
    art.over(art.vgrad(hex_rgb("#ff5a6e"), CRIMSON, 2.4, 10.5), crown)
    art.over(hex_rgb("#7a1024"), art.stroke([(18.2, 10.0), (29.8, 10.0)], 1.1))
    art.over(CRIMSON, art.stroke([(17.0, 17.0), (24, 25.5), (31.0, 17.0)], 1.3), 0.9)
    art.over(CRIMSON, art.stroke([(24, 25.5), (24, 40)], 0.9), 0.55)
    art.over(CRIMSON, union(art.stroke([(33, 15.8), (40.2, 14.0)], 0.8),
                            art.stroke([(15, 15.8), (7.8, 14.0)], 0.8)), 0.7)
    art.over(NIGHT, art.ellipse(24, 14.0, 3.8, 2.9), 0.9)
    eyes = union(art.stroke([(21.3, 13.6), (23.0, 14.4)], 1.0),
                 art.stroke([(26.7, 13.6), (25.0, 14.4)], 1.0))
    art.glow(CRIMSON, eyes, 0.8, 2.0)
    art.over(hex_rgb("#ff7080"), eyes)
    return art.surface()


def rift() -> pygame.Surface:
    art = Art(64)
    x, y = art.x - 32, art.y - 32
    ang = np.radians(-18)
    u = x * np.cos(ang) + y * np.sin(ang)
    v = -x * np.sin(ang) + y * np.cos(ang)
    r = np.hypot(u / 16.0, v / 24.0)
    theta = np.arctan2(v, u)
    s = 0.5 + 0.5 * np.sin(3 * theta + 4.2 * np.log(r + 0.05))
    arms = np.clip((s - 0.4) / 0.45, 0.0, 1.0) ** 1.3 * np.clip((1.2 - r) / 0.45, 0.0, 1.0)
    body = np.clip((0.95 - r) / 0.4, 0.0, 1.0)
    haze = np.clip(blur(np.clip((1.1 - r) / 0.3, 0, 1), 3 * art.k), 0, 1)
    art.over(hex_rgb("#3a1252"), haze, 0.7)
    inner = art.rgrad(hex_rgb("#06030b"), hex_rgb("#2a0c3e"), 32, 32, 20)
    art.over(inner, body, 0.94)
    tint = art.rgrad(hex_rgb("#6a28a0"), hex_rgb("#e864c8"), 32, 32, 26)
    art.over(tint, arms, 0.9)
    # the tear itself: a dark jagged slit with a glowing rim
    rng = np.random.default_rng(7)
    ys = np.linspace(-19, 19, 21)
    jitter = rng.uniform(-1.3, 1.3, ys.size)
    width = 3.2 * (1 - (ys / 19) ** 2) + 0.4
    left = [(32 + (yy * np.sin(-ang)) - w + j, 32 + yy * np.cos(ang))
            for yy, w, j in zip(ys, width, jitter, strict=True)]
    right = [(32 + (yy * np.sin(-ang)) + w + j * 0.6, 32 + yy * np.cos(ang))
             for yy, w, j in zip(ys, width, jitter, strict=True)]
    slit = art.poly(left + right[::-1])
    art.glow(hex_rgb("#ff5fcf"), slit, 1.6, 1.3)
    art.over(hex_rgb("#ff8fe0"), slit, 0.9)
    art.over(hex_rgb("#07030c"), art.poly([(a + 0.9 if i < len(left) else a - 0.9, b)
                                           for i, (a, b) in enumerate(left + right[::-1])]))
    return art.surface()


def rift_sealed() -> pygame.Surface:
    art = Art(64)
    gold, teal = REALMS["sanctuary"]["base"], REALMS["rest"]["base"]
    blend = mix(mix(gold, teal, 0.5), WHITE, 0.35)
    cx = cy = 32.0
    pts = 8
    outer, inner = 26.0, 11.5
    verts = []
    for i in range(pts * 2):
        a = np.radians(-90 + i * 180 / pts)
        rr = outer if i % 2 == 0 else inner
        verts.append((cx + rr * np.cos(a), cy + rr * np.sin(a)))
    star = art.poly(verts)
    art.glow(mix(blend, WHITE, 0.3), star, 5.0, 0.9)
    art.glow(mix(gold, teal, 0.5), star, 2.0, 0.8)
    cream = hex_rgb("#fff6dc")
    colours = (gold, blend, teal, mix(gold, WHITE, 0.35), mix(teal, WHITE, 0.35), blend)
    for i in range(pts * 2):
        a, b = verts[i], verts[(i + 1) % (pts * 2)]
        tri = art.poly([(cx, cy), a, b])
        art.over(colours[i % len(colours)], tri)
    # grout between the tiles, then a bright calm heart
    grout = art.stroke(verts, 0.9, closed=True)
    for vx, vy in verts:
        grout = union(grout, art.stroke([(cx, cy), (vx, vy)], 0.7))
    art.over(cream, grout, 0.85)
    art.over(art.rgrad(WHITE, blend, cx, cy, 6.0), art.circle(cx, cy, 5.2))
    art.over(cream, art.ring(cx, cy, 5.2, 0.9), 0.9)
    return art.surface()


def beacon(realm: str) -> pygame.Surface:
    pal = REALMS[realm]
    art = Art(24)
    base = art.ellipse(12, 19.6, 5.6, 1.7)
    crystal = art.poly([(12, 3.2), (16, 10.2), (12, 17.4), (8, 10.2)])
    waves = union(art.arc(12, 10, 7.0, -38, 38, 1.2), art.arc(12, 10, 7.0, 142, 218, 1.2),
                  art.arc(12, 10, 9.4, -30, 30, 1.0), art.arc(12, 10, 9.4, 150, 210, 1.0))
    art.glow(pal["glow"], union(crystal, base), 2.0, 1.3)
    art.over(pal["dark"], base)
    art.over(mix(pal["light"], WHITE, 0.3), art.ellipse(12, 19.1, 3.6, 0.8), 0.8)
    art.over(pal["base"], crystal)
    art.over(pal["light"], art.poly([(12, 3.2), (12, 17.4), (8, 10.2)]), 0.9)
    art.over(pal["dark"], art.poly([(12, 10.2), (16, 10.2), (12, 17.4)]), 0.45)
    art.over(WHITE, art.circle(12, 10, 1.4), 0.95)
    art.over(pal["light"], waves, 0.95)
    return art.surface()


def ping_nightmare() -> pygame.Surface:
    art = Art(24)
    corners = [(12, 4.5), (19.8, 18.6), (4.2, 18.6)]
    tri = union(art.stroke(corners, 3.0, closed=True), art.poly(corners))
    art.glow(CADRE_GLOW, tri, 1.8, 1.4)
    art.over(art.vgrad(hex_rgb("#5a2470"), hex_rgb("#2a1238"), 2, 21), tri)
    art.over(hex_rgb("#ff7ad9"), art.stroke(corners, 1.1, closed=True))
    mark = union(art.stroke([(12, 9.0), (12, 13.4)], 2.0), art.circle(12, 16.6, 1.2))
    art.over(hex_rgb("#ffe0f6"), mark)
    return art.surface()


def ping_help() -> pygame.Surface:
    art = Art(24)
    disc = art.circle(12, 12, 8.6)
    art.glow(hex_rgb("#ff6f8a"), disc, 1.8, 1.4)
    art.over(art.vgrad(hex_rgb("#ffa0ae"), hex_rgb("#e4506c"), 3, 21), disc)
    art.over(hex_rgb("#fff1f3"), art.ring(12, 12, 8.6, 1.1))
    art.over(WHITE, union(art.stroke([(12, 7.4), (12, 16.6)], 2.6),
                          art.stroke([(7.4, 12), (16.6, 12)], 2.6)))
    return art.surface()


def ping_rift() -> pygame.Surface:
    art = Art(24)
    diamond = art.poly([(12, 1.8), (22.2, 12), (12, 22.2), (1.8, 12)])
    art.glow(hex_rgb("#a070ff"), diamond, 1.6, 1.3)
    art.over(art.vgrad(hex_rgb("#e6dcff"), hex_rgb("#b8a2f0"), 2, 22), diamond)
    art.over(hex_rgb("#5a3a9a"), art.stroke([(12, 1.8), (22.2, 12), (12, 22.2), (1.8, 12)], 1.0,
                                            closed=True), 0.8)
    tear = art.poly([(12.6, 5.2), (14.4, 10), (13.4, 13), (14.2, 18.6), (11.4, 14),
                     (10.4, 11), (11.4, 8)])
    art.glow(hex_rgb("#c2409c"), tear, 1.0, 1.3)
    art.over(hex_rgb("#1a0a26"), tear)
    return art.surface()


def asleep() -> pygame.Surface:
    art = Art(16)
    bubble = union(art.circle(9.2, 7.4, 5.5), art.circle(3.2, 13.2, 1.4))
    art.glow(hex_rgb("#9e94ff"), bubble, 1.0, 1.1)
    art.over(hex_rgb("#ece8ff"), bubble, 0.95)
    art.over(hex_rgb("#8a80e0"), union(art.ring(9.2, 7.4, 5.5, 0.8), art.ring(3.2, 13.2, 1.4, 0.7)))
    art.over(hex_rgb("#34297a"), art.stroke([(7.0, 5.0), (11.4, 5.0), (7.0, 9.8), (11.4, 9.8)],
                                            1.5))
    return art.surface()


def distorted() -> pygame.Surface:
    art = Art(24)
    t = np.linspace(0.0, 1.0, 80)
    ang = t * 4.4 * np.pi
    rad = 0.8 + 8.4 * t
    pts = [(12 + r * np.cos(a), 12 + r * np.sin(a)) for r, a in zip(rad, ang, strict=True)]
    spiral = art.stroke(pts, 1.9)
    art.glow(hex_rgb("#b04ad8"), spiral, 1.6, 1.2)
    art.over(art.rgrad(hex_rgb("#fbe2ff"), hex_rgb("#c060e0"), 12, 12, 11), spiral)
    for dx, dy, rr in ((19.0, 5.0, 1.0), (4.6, 18.6, 0.9), (19.6, 18.2, 0.7)):
        art.over(hex_rgb("#e8b0ff"), art.circle(dx, dy, rr), 0.9)
    return art.surface()


def build_sprites() -> dict[str, pygame.Surface]:
    out: dict[str, pygame.Surface] = {}
    for realm in ("sanctuary", "rest"):
        for role in ("architect", "innovator", "organizer"):
            out[f"dreamer_{realm}_{role}"] = dreamer(realm, role)
    out["cadre"] = cadre()
    out["ethan"] = ethan()
    out["rift"] = rift()
    out["rift_sealed"] = rift_sealed()
    out["beacon_sanctuary"] = beacon("sanctuary")
    out["beacon_rest"] = beacon("rest")
    out["ping_nightmare"] = ping_nightmare()
    out["ping_help"] = ping_help()
    out["ping_rift"] = ping_rift()
    out["asleep"] = asleep()
    out["distorted"] = distorted()
    for name, surf in out.items():
        assert surf.get_size() == (SPRITE_SIZES[name],) * 2, name
    return out


def contact_sheet(sprites: dict[str, pygame.Surface], path: Path, scale: int = 3) -> None:
    """Every sprite scaled x`scale` on the night background, at 1x beside it, with its name."""
    pygame.font.init()
    font = pygame.font.Font(None, 16)
    items = list(sprites.items())
    cols = 6
    cell_w = max(s.get_width() for s in sprites.values()) * scale + 16
    rows = [items[i:i + cols] for i in range(0, len(items), cols)]
    heights = [max(s.get_height() for _, s in row) * scale + 36 for row in rows]
    sheet = pygame.Surface((cols * cell_w, sum(heights)))
    sheet.fill(tuple(int(c * 255) for c in NIGHT))
    y0 = 0
    for row, h in zip(rows, heights, strict=True):
        for i, (name, surf) in enumerate(row):
            x0 = i * cell_w
            sheet.blit(pygame.transform.scale_by(surf, scale), (x0 + 8, y0 + 8))
            sheet.blit(surf, (x0 + cell_w - surf.get_width() - 8, y0 + 8))
            sheet.blit(font.render(name, True, (200, 200, 220)), (x0 + 8, y0 + h - 22))
        y0 += h
    pygame.image.save(sheet, str(path))


# --------------------------------------------------------------------------------------
# sounds

RATE = 22050


def ns(dur: float) -> int:
    """Samples in `dur` seconds."""
    return round(dur * RATE)


def env(n: int, attack: float, decay: float, curve: float = 1.0) -> Arr:
    """An attack ramp (seconds) then an exponential decay to -60 dB over `decay` seconds."""
    t = np.arange(n) / RATE
    a = np.clip(t / max(attack, 1e-4), 0.0, 1.0) ** curve
    d = np.exp(-6.9 * np.clip(t - attack, 0.0, None) / decay)
    return a * d


def fade(x: Arr, fin: float = 0.004, fout: float = 0.02) -> Arr:
    n = len(x)
    w = np.ones(n)
    i, o = min(n, int(fin * RATE)), min(n, int(fout * RATE))
    if i:
        w[:i] = np.linspace(0, 1, i)
    if o:
        w[n - o:] *= np.linspace(1, 0, o)
    return x * w


def tone(freq: float | Arr, dur: float, phase: float = 0.0) -> Arr:
    """A sine whose frequency may glide (an array of per-sample frequencies)."""
    n = ns(dur)
    f = np.broadcast_to(np.asarray(freq, dtype=np.float64), (n,))
    return np.sin(phase + 2 * np.pi * np.cumsum(f) / RATE)


def soft_tri(freq: float, dur: float) -> Arr:
    """A mellow triangle-ish tone: a few odd harmonics."""
    return sum((tone(freq * k, dur) * (1.0 / (k * k)) * (-1) ** ((k - 1) // 2)
                for k in (1, 3, 5)), np.zeros(ns(dur)))


def bandnoise(rng: np.random.Generator, dur: float, lo: float, hi: float,
              n: int | None = None) -> Arr:
    """White noise band-passed in the frequency domain (soft skirts)."""
    n = n if n is not None else ns(dur)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    centre, width = np.sqrt(lo * hi), np.log(hi / lo) / 2
    gain = np.exp(-0.5 * (np.log(np.maximum(f, 1.0) / centre) / max(width, 1e-3)) ** 2)
    out: Arr = np.fft.irfft(spec * gain, n)
    out /= np.max(np.abs(out)) + 1e-9
    return out


def lowpass(x: Arr, cutoff: float) -> Arr:
    n = len(x)
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(n, 1 / RATE)
    return np.fft.irfft(spec / np.sqrt(1 + (f / cutoff) ** 4), n)


def impulse(rng: np.random.Generator, seconds: float, bright: float = 4000.0) -> Arr:
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    ir = lowpass(rng.standard_normal(n), bright) * np.exp(-6.9 * t / seconds)
    ir[: ns(0.012)] *= np.linspace(0, 1, ns(0.012))   # a little pre-delay
    scaled: Arr = ir / np.sqrt(np.sum(ir ** 2))
    return scaled


def reverb(x: Arr, seconds: float, wet: float, seed: int, bright: float = 4000.0) -> Arr:
    """x followed by its tail: convolution with a decaying filtered-noise impulse."""
    ir = impulse(np.random.default_rng(seed), seconds, bright)
    n = len(x) + len(ir) - 1
    size = 1 << (n - 1).bit_length()
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)[:n]
    dry = np.concatenate([x, np.zeros(n - len(x))])
    return dry + wet * y * 0.35


def pad(x: Arr, dur: float) -> Arr:
    n = ns(dur)
    return np.concatenate([x, np.zeros(max(0, n - len(x)))])[:n] if n > len(x) else x[:n]


def at(x: Arr, start: float, total: Arr) -> Arr:
    """Add x into total starting at `start` seconds (total grows if needed)."""
    i = round(start * RATE)
    need = i + len(x)
    if need > len(total):
        total = np.concatenate([total, np.zeros(need - len(total))])
    total[i:need] += x
    return total


def trim(x: Arr, floor: float = 10 ** (-54 / 20)) -> Arr:
    """Drop the silent end of a tail (below -54 dB of the peak) and fade the last 30 ms."""
    peak = np.max(np.abs(x)) + 1e-12
    loud = np.nonzero(np.abs(x) > floor * peak)[0]
    end = int(loud[-1]) + 1 if loud.size else len(x)
    return fade(x[:end], 0.0, 0.03)


def note(name: str) -> float:
    names = {"C": -9, "D": -7, "E": -5, "F": -4, "G": -2, "A": 0, "B": 2}
    semis = names[name[0]] + (1 if "#" in name else -1 if name[1:2] == "b" else 0)
    octave = int(name[-1])
    return float(440.0 * 2 ** ((semis + 12 * (octave - 4)) / 12))


def snd_paint() -> Arr:
    rng = np.random.default_rng(101)
    dur = 0.15
    n = ns(dur)
    body = bandnoise(rng, dur, 1200, 4200) * env(n, 0.025, 0.13, 0.7)
    air = bandnoise(rng, dur, 4500, 9000) * env(n, 0.01, 0.06) * 0.35
    wob = 1 + 0.25 * np.sin(2 * np.pi * 18 * np.arange(n) / RATE)
    return fade(body * wob + air, 0.002, 0.03)


def snd_burst() -> Arr:
    total = np.zeros(1)
    for i, nm in enumerate(("C5", "E5", "G5", "C6", "E6")):
        f = note(nm)
        x = (tone(f, 0.5) + 0.3 * tone(f * 2.01, 0.5)) * env(ns(0.5), 0.006, 0.42)
        total = at(x * 0.45, i * 0.035, total)
    rng = np.random.default_rng(102)
    whoosh = bandnoise(rng, 0.45, 600, 5000) * env(ns(0.45), 0.08, 0.3) * 0.35
    total = at(whoosh, 0.0, total)
    return trim(reverb(total, 0.7, 0.8, 202))


def snd_beacon() -> Arr:
    total = np.zeros(1)
    for i, f in enumerate((880.0, 1318.5)):
        n = ns(0.3)
        t = np.arange(n) / RATE
        fm = np.sin(2 * np.pi * f * t + 0.8 * np.sin(2 * np.pi * f * 1.5 * t) * np.exp(-t * 20))
        total = at(fm * env(n, 0.01, 0.25) * 0.5, i * 0.09, total)
    return trim(reverb(total, 0.6, 0.7, 203))


def snd_rally() -> Arr:
    total = np.zeros(1)
    for i, nm in enumerate(("G4", "B4", "D5", "G5")):
        n = ns(0.6)
        x = soft_tri(note(nm), 0.6) * env(n, 0.03, 0.55)
        total = at(x * 0.4, i * 0.06, total)
    return trim(reverb(total, 0.8, 0.8, 204))


def snd_shove() -> Arr:
    dur = 0.22
    n = ns(dur)
    f = 170 * np.exp(-np.arange(n) / RATE * 9) + 45
    thump = tone(f, dur) * env(n, 0.004, 0.18)
    rng = np.random.default_rng(105)
    puff = bandnoise(rng, dur, 200, 1500) * env(n, 0.002, 0.07) * 0.4
    return trim(reverb(thump + puff, 0.3, 0.3, 205, 2000))


def snd_distort() -> Arr:
    dur = 0.6
    n = ns(dur)
    t = np.arange(n) / RATE
    lfo = np.sin(2 * np.pi * 6.5 * t)
    bend = 1 - 0.12 * t / dur
    a = tone(311.1 * bend * (1 + 0.035 * lfo), dur)
    b = tone(329.6 * bend * (1 - 0.03 * lfo), dur)
    c = tone(466.2 * bend * (1 + 0.05 * np.sin(2 * np.pi * 4.3 * t)), dur) * 0.4
    trem = 0.75 + 0.25 * np.sin(2 * np.pi * 9 * t)
    x = (a + b + c) * trem * env(n, 0.05, 0.55)
    return trim(reverb(lowpass(x, 2500), 0.5, 0.6, 206))


def snd_asleep() -> Arr:
    dur = 0.8
    n = ns(dur)
    t = np.arange(n) / RATE
    f = 660 * 2 ** (-t / dur)
    x = (tone(f, dur) + 0.25 * tone(f * 2, dur)) * env(n, 0.04, 0.75)
    return trim(reverb(x * 0.6, 0.7, 0.7, 207, 2500))


def snd_revive() -> Arr:
    dur = 0.5
    n = ns(dur)
    t = np.arange(n) / RATE
    f = 392 * 2 ** (t / dur)
    x = (tone(f, dur) + 0.3 * tone(f * 1.5, dur)) * env(n, 0.03, 0.45) * 0.5
    total = at(x, 0.0, np.zeros(1))
    sparkle = tone(note("G6"), 0.3) * env(ns(0.3), 0.012, 0.25) * 0.25
    total = at(sparkle, 0.35, total)
    return trim(reverb(total, 0.7, 0.7, 208))


def bell(f: float, dur: float, decay: float) -> Arr:
    n = ns(dur)
    out = np.zeros(n)
    for ratio, amp, dk in ((1.0, 1.0, 1.0), (2.0, 0.5, 0.7), (2.76, 0.35, 0.5),
                           (5.4, 0.15, 0.3), (8.93, 0.06, 0.2)):
        out += amp * tone(f * ratio, dur) * env(n, 0.002, decay * dk)
    return out


def snd_awaken() -> Arr:
    total = at(bell(note("E6"), 1.0, 0.9) * 0.35, 0.0, np.zeros(1))
    total = at(bell(note("B6"), 0.9, 0.8) * 0.25, 0.09, total)
    return trim(reverb(total, 0.9, 0.8, 209, 6000))


def snd_rift_sealed() -> Arr:
    dur = 1.5
    n = ns(dur)
    chord = ("C4", "E4", "G4", "D5", "G5")
    x = np.zeros(n)
    for i, nm in enumerate(chord):
        f = note(nm)
        v = soft_tri(f, dur) + 0.6 * tone(f * 1.003, dur, 1.0)
        x += v * env(n, 0.12 + 0.02 * i, 1.4, 1.5) * (0.3 if i < 3 else 0.18)
    return trim(reverb(x, 1.2, 0.9, 210, 3500))


def snd_hijack() -> Arr:
    dur = 1.8
    n = ns(dur)
    t = np.arange(n) / RATE
    swell = np.sin(np.pi * np.clip(t / dur, 0, 1)) ** 1.5
    x = tone(55.0, dur) + 0.8 * tone(58.3, dur) + 0.5 * soft_tri(82.4, dur)
    x += 0.3 * tone(116.5 * (1 + 0.01 * np.sin(2 * np.pi * 3 * t)), dur)
    rng = np.random.default_rng(111)
    x += 0.5 * bandnoise(rng, dur, 60, 400)
    return trim(reverb(lowpass(x * swell, 900) * 0.6, 1.0, 0.6, 211, 1500))


def snd_warning() -> Arr:
    total = np.zeros(1)
    for i, nm in enumerate(("A5", "F5", "A5", "F5")):
        n = ns(0.14)
        x = (tone(note(nm), 0.14) + 0.2 * tone(note(nm) * 2, 0.14)) * env(n, 0.022, 0.16)
        total = at(fade(x) * 0.4, i * 0.16, total)
    return trim(reverb(total, 0.4, 0.5, 212))


def snd_ping() -> Arr:
    n = ns(0.22)
    x = (tone(1318.5, 0.22) + 0.3 * tone(2637.0, 0.22)) * env(n, 0.006, 0.2)
    return trim(reverb(x * 0.5, 0.4, 0.6, 213))


def snd_victory() -> Arr:
    total = np.zeros(1)
    for i, nm in enumerate(("C5", "E5", "G5", "C6")):
        n = ns(0.5)
        total = at(soft_tri(note(nm), 0.5) * env(n, 0.01, 0.45) * 0.35, i * 0.13, total)
    dur = 1.5
    n = ns(dur)
    chord = np.zeros(n)
    for nm in ("C4", "G4", "C5", "E5", "G5"):
        chord += (soft_tri(note(nm), dur) + 0.5 * tone(note(nm) * 1.004, dur)) * 0.16
    total = at(chord * env(n, 0.08, 1.4), 0.52, total)
    total = at(bell(note("C7"), 0.8, 0.7) * 0.12, 0.52, total)
    return trim(reverb(total, 1.2, 0.8, 214))


def snd_fracture() -> Arr:
    rng = np.random.default_rng(115)
    total = np.zeros(1)
    crack = bandnoise(rng, 0.25, 1500, 8000) * env(ns(0.25), 0.001, 0.12) * 0.5
    total = at(crack, 0.0, total)
    dur = 1.3
    n = ns(dur)
    t = np.arange(n) / RATE
    fall = 2 ** (-t / dur * 1.2)
    x = (tone(note("E5") * fall, dur) + tone(note("F5") * fall, dur)
         + 0.5 * tone(note("B4") * fall, dur)) * env(n, 0.01, 1.2) * 0.3
    total = at(x, 0.03, total)
    for k in range(5):
        shard = bell(float(rng.uniform(1800, 3200)), 0.4, 0.25) * 0.07
        total = at(shard, 0.05 + 0.09 * k, total)
    return trim(reverb(total, 1.0, 0.8, 215))


def snd_click() -> Arr:
    n = ns(0.05)
    x = tone(1760.0, 0.05) * env(n, 0.001, 0.03)
    rng = np.random.default_rng(116)
    x += bandnoise(rng, 0.05, 2000, 6000) * env(n, 0.0005, 0.008) * 0.3
    return fade(x * 0.6, 0.0005, 0.01)


AMBIENT_SECONDS = 24


def snd_ambient() -> Arr:
    """A seamless pad: every partial completes whole cycles in the loop, the chords cross-fade
    with envelopes periodic in the loop, and the reverb is a circular convolution."""
    period = AMBIENT_SECONDS
    n = period * RATE
    t = np.arange(n) / RATE
    out = np.zeros(n)

    def snap(f: float) -> float:     # a whole number of cycles per loop
        return round(f * period) / period

    chords = (("D3", "A3", "E4", "F#4"), ("B2", "F#3", "D4", "A4"),
              ("G2", "D3", "B3", "F#4"), ("A2", "E3", "C#4", "E4"))
    span = period / len(chords)
    for ci, chord in enumerate(chords):
        centre = (ci + 0.5) * span
        ph = (t - centre) / period
        ph -= np.round(ph)                      # -0.5..0.5, periodic
        w = np.clip(np.cos(np.pi * ph * len(chords) / 1.6), 0.0, 1.0) ** 2
        for k, nm in enumerate(chord):
            f = note(nm)
            for det in (-1, 1):
                fq = snap(f + det * (0.06 + 0.02 * k))
                out += w * np.sin(2 * np.pi * fq * t + k + det) * 0.08
                out += w * np.sin(2 * np.pi * snap(fq * 2) * t + 2 * k) * 0.012
    # a high shimmer that breathes, and a soft airy bed
    breath = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t / period)
    out += 0.012 * breath * np.sin(2 * np.pi * snap(note("A5")) * t)
    out += 0.008 * (1 - breath) * np.sin(2 * np.pi * snap(note("E6")) * t)
    rng = np.random.default_rng(117)
    air = bandnoise(rng, 0, 300, 1800, n) * 0.05 * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t / period))
    out += air
    ir = impulse(np.random.default_rng(217), 2.5, 2500)
    wet = np.fft.irfft(np.fft.rfft(out) * np.fft.rfft(np.concatenate([ir, np.zeros(n - len(ir))])),
                       n)
    return lowpass(out * 0.7 + wet * 0.45, 3000)


SOUNDS: dict[str, Callable[[], Arr]] = {
    "paint": snd_paint, "burst": snd_burst, "beacon": snd_beacon, "rally": snd_rally,
    "shove": snd_shove, "distort": snd_distort, "asleep": snd_asleep, "revive": snd_revive,
    "awaken": snd_awaken, "rift_sealed": snd_rift_sealed, "hijack": snd_hijack,
    "warning": snd_warning, "ping": snd_ping, "victory": snd_victory,
    "fracture": snd_fracture, "click": snd_click, "ambient": snd_ambient,
}
PEAKS = {"ambient": 0.42, "click": 0.35, "paint": 0.3, "hijack": 0.6, "victory": 0.6}


def write_wav(path: Path, x: Arr, peak: float) -> None:
    y = x / (np.max(np.abs(x)) + 1e-12) * peak
    pcm = np.clip(np.rint(y * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


# --------------------------------------------------------------------------------------

def build(out_dir: Path, sheet: Path | None = None) -> list[Path]:
    """Write every sprite and sound under out_dir; returns the files written."""
    pygame.init()
    written: list[Path] = []
    (out_dir / "sprites").mkdir(parents=True, exist_ok=True)
    (out_dir / "sounds").mkdir(parents=True, exist_ok=True)
    sprites = build_sprites()
    for name, surf in sprites.items():
        path = out_dir / "sprites" / f"{name}.png"
        pygame.image.save(surf, str(path))
        written.append(path)
    assert set(SOUNDS) == set(SOUND_NAMES)
    for name in SOUND_NAMES:
        path = out_dir / "sounds" / f"{name}.wav"
        write_wav(path, SOUNDS[name](), PEAKS.get(name, 0.5))
        written.append(path)
    if sheet is not None:
        contact_sheet(sprites, sheet)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("out_dir", nargs="?", type=Path, default=HERE,
                        help="where to write sprites/ and sounds/ (default: %(default)s)")
    parser.add_argument("--sheet", type=Path, help="also save a contact sheet PNG here")
    args = parser.parse_args(argv)
    files = build(args.out_dir, args.sheet)
    total = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files, {total / 1024:.0f} KiB, under {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
