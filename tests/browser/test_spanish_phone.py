"""Spanish words are longer: Stage 2's rated traits on a 390 px phone still fit the screen."""

from __future__ import annotations

import pytest

from .helpers import open_ready, wait_for_stage

pytestmark = pytest.mark.browser


def test_rated_traits_in_spanish_never_make_the_page_scroll_sideways(app, new_tab):
    with app.home.create("Rasgos en español") as wb:
        wb.set_meta("language", "es")
        for name, rating in (("punctuality", -3), ("patience", 0), ("kindness", 3)):
            wb.put("trait", {"name": name, "domain": "personality", "rating": rating, "touched": False})
        slug = wb.path.stem
    tab = new_tab(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="es-ES")
    open_ready(tab, app.app_url("reason", slug))
    wait_for_stage(tab, "reason")
    tab.get_by_text("punto débil claro").first.wait_for()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    # and each step still reads whole in its dropdown
    widths = tab.evaluate(
        "[...document.querySelectorAll('.wb-stage-reason .wb-trait-rating select')]"
        ".map(s => s.scrollWidth <= s.clientWidth + 1)"
    )
    assert widths and all(widths)
