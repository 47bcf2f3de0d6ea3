"""The layout kit (scenes/layout.py): regions of the safe area, place, keep and best_fit, measured
on plain rectangles whose sizes are known."""

from __future__ import annotations

import pytest
from manim import DOWN, LEFT, RIGHT, UP, Rectangle, VGroup

from attention_explainer.scenes.layout import SAFE, Box, fit_scale


def rect(w: float, h: float) -> Rectangle:
    return Rectangle(width=w, height=h, stroke_width=0)


def edges(m: Rectangle) -> tuple[float, float, float, float]:
    return m.get_left()[0], m.get_right()[0], m.get_top()[1], m.get_bottom()[1]


def test_place_shrinks_to_the_tighter_side_and_centres() -> None:
    box = Box(-2, 4, 3, 1)  # 6 wide, 2 high, centre (1, 2)
    m = box.place(rect(3, 4))  # height limits: 4 -> 2, width 3 -> 1.5
    assert m.width == pytest.approx(1.5) and m.height == pytest.approx(2.0)
    assert tuple(m.get_center()[:2]) == pytest.approx((1.0, 2.0))


def test_place_grows_at_most_grow() -> None:
    box = Box(-5, 5, 5, -5)
    assert box.place(rect(1, 1), grow=1.3).width == pytest.approx(1.3)
    assert box.place(rect(1, 1)).width == pytest.approx(1.0)  # never grows by default
    assert box.place(rect(8, 1), grow=3.0).width == pytest.approx(10.0)  # the width caps the growth


def test_place_against_an_edge() -> None:
    box = Box(-3, 3, 2, -2)
    left, right, top, bottom = edges(box.place(rect(1, 1), edge=LEFT))
    assert left == pytest.approx(-3) and (top + bottom) / 2 == pytest.approx(0)
    left, right, top, bottom = edges(box.place(rect(1, 1), edge=UP + RIGHT))
    assert right == pytest.approx(3) and top == pytest.approx(2)
    left, right, top, bottom = edges(box.align(rect(1, 1), DOWN))
    assert bottom == pytest.approx(-2) and (left + right) / 2 == pytest.approx(0)


def test_fit_shrinks_in_place() -> None:
    m = rect(4, 1).move_to([10, 10, 0])
    Box(0, 2, 1, 0).fit(m)
    assert m.width == pytest.approx(2) and tuple(m.get_center()[:2]) == pytest.approx((10, 10))
    assert Box(0, 20, 20, 0).fit(rect(4, 1)).width == pytest.approx(4)  # no growth
    assert fit_scale(rect(4, 2), 2, 2) == pytest.approx(0.5)


def test_regions() -> None:
    left, right = SAFE.split_x(1.0, gap=0.4)
    assert left.left == SAFE.left and left.right == pytest.approx(0.8)
    assert right.left == pytest.approx(1.2) and right.right == SAFE.right
    upper, lower = SAFE.split_y(0.0, gap=0.2)
    assert upper.bottom == pytest.approx(0.1) and lower.top == pytest.approx(-0.1)
    assert SAFE.left_part(3).width == pytest.approx(3) and SAFE.right_part(2).left == pytest.approx(SAFE.right - 2)
    title = rect(2, 0.5).move_to([0, 2.5, 0])
    assert SAFE.below(title, gap=0.3).top == pytest.approx(2.25 - 0.3)
    assert SAFE.above(title).bottom == pytest.approx(2.75)
    assert SAFE.right_of(title, gap=0.5).left == pytest.approx(1.5)
    assert SAFE.left_of(title).right == pytest.approx(-1)
    assert SAFE.inset(x=0.1).width == pytest.approx(SAFE.width - 0.2)
    assert Box(-1, 1, 1, -1).inset(top=0.5).mid_y == pytest.approx(-0.25)
    assert Box(-1, 1, 1, -1).inset(y=0.25).height == pytest.approx(1.5)
    assert SAFE.with_height(2, mid_y=1).top == pytest.approx(2) and SAFE.with_width(2, mid_x=3).right == pytest.approx(4)
    assert SAFE.with_width(4).left == pytest.approx(SAFE.mid_x - 2) and SAFE.with_width(99).width == SAFE.width


def test_keep_shifts_the_least() -> None:
    box = Box(-2, 2, 2, -2)
    m = box.keep(rect(1, 1).move_to([2, 0, 0]))  # sticks out 0.5 on the right
    assert edges(m)[1] == pytest.approx(2) and m.get_y() == pytest.approx(0)
    m = box.keep(rect(1, 1).move_to([0.5, 0.5, 0]))  # inside: stays
    assert tuple(m.get_center()[:2]) == pytest.approx((0.5, 0.5))
    m = box.keep(rect(6, 1).move_to([3, -3, 0]))  # wider than the box: centred across, lifted in
    assert m.get_x() == pytest.approx(0) and edges(m)[3] == pytest.approx(-2)
    m = box.keep(rect(1, 1).move_to([3, 3, 0]), x=False)  # up and down only
    assert m.get_x() == pytest.approx(3) and edges(m)[2] == pytest.approx(2)


def test_best_fit_picks_the_largest_and_names_it() -> None:
    box = Box(-4, 4, 1, -1)  # wide and low
    parts = [rect(1, 1) for _ in range(4)]
    row = VGroup(*[p.copy() for p in parts]).arrange(RIGHT, buff=0)  # 4 × 1: scale 2 capped by grow
    column = VGroup(*[p.copy() for p in parts]).arrange(DOWN, buff=0)  # 1 × 4: scale 0.5
    fit = box.best_fit({"column": column, "row": row}, grow=1.5)
    assert fit.rule == "row" and fit.mob is row and fit.scale == pytest.approx(1.5)
    assert row.width == pytest.approx(6) and tuple(row.get_center()[:2]) == pytest.approx((0, 0))
    assert column.width == pytest.approx(1)  # the other is left as it was
    tall = Box(-1, 1, 4, -4)
    assert tall.best_fit([("row", rect(4, 1)), ("column", rect(1, 4))]).rule == "column"
    same = tall.best_fit([("first", rect(1, 1)), ("second", rect(1, 1))])
    assert same.rule == "first"  # a tie goes to the first given
    a, b = rect(1, 1), rect(1, 1)  # the same parts, arranged two ways by functions
    side = tall.best_fit({"side by side": lambda: VGroup(a, b.next_to(a, RIGHT, buff=0)),
                          "stacked": lambda: VGroup(a, b.next_to(a, DOWN, buff=0))}, grow=3)
    assert side.rule == "stacked" and b.get_top()[1] == pytest.approx(a.get_bottom()[1])
    assert side.scale == pytest.approx(2.0) and a.width == pytest.approx(2.0) and a.get_x() == pytest.approx(b.get_x())
    with pytest.raises(ValueError):
        box.best_fit({})
