"""Reading and resizing the SVG text ``dot`` writes: its ``<svg width="..pt" height="..pt"``
attributes and its ``viewBox`` are the only parts any picture here needs to touch."""

from __future__ import annotations

import re

__all__ = ["declared_size_pt", "narrowed", "shrink_to_fit", "size_pt"]

# The size graphviz gives the picture, in points, on its <svg> element.
_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
# Its drawing area: "x y width height", also in points.
_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')


def shrink_to_fit(svg: str) -> str:
    """``svg`` allowed to shrink to the width of its window or container
    (``max-width: 100%; height: auto``), proportions kept, never to grow beyond its own size."""
    return _SVG_SIZE.sub(r'\g<0> style="max-width: 100%; height: auto"', svg, count=1)


def declared_size_pt(svg: str) -> tuple[float, float] | None:
    """The width and height ``svg``'s ``<svg>`` element declares, in points, or None if it declares none."""
    match = _SVG_SIZE.search(svg)
    return (float(match.group(1)), float(match.group(2))) if match else None


def narrowed(svg: str, max_width_pt: float) -> str:
    """``svg`` at most ``max_width_pt`` wide, its height in proportion (the viewBox scales the drawing)."""
    size = declared_size_pt(svg)
    if size is None or size[0] <= max_width_pt:
        return svg
    height = size[1] * max_width_pt / size[0]
    return _SVG_SIZE.sub(f'<svg width="{max_width_pt}pt" height="{height:.2f}pt"', svg, count=1)


def size_pt(svg: str) -> tuple[float, float] | None:
    """The width and height of ``svg``'s drawing in points (its viewBox), or None without one."""
    match = _VIEWBOX.search(svg)
    return (float(match.group(1)), float(match.group(2))) if match else None
