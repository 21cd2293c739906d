"""Charts as static SVG, written by hand from the graph: readable without JavaScript, the same bytes on every
run (coordinates are rounded, everything is sorted), and each followed on the page by its data as a table.

- participation heatmap: country x year, "named by every source", "named by some", "not named", with years
  without a documented edition shaded and years whose lists are partial starred;
- participants and countries per edition: grouped bars of the stated figures beside the number of countries
  the sources name, figures the sources use ambiguously marked;
- timeline of editions: one row per edition (and per stated plan, hollow) on a year axis.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from pyoxigraph import Literal

from . import vocab as V
from .pages import Builder, Table
from .render import NDASH, Page, format_literal

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK, MUTED, GRID = "#1f2933", "#52606d", "#d9e2ec"
EVERY, SOME, NONE_FILL, GAP = "#0f6b6e", "#8fd0c9", "#f5f7fa", "#eceff3"
BAR_COLOURS = ("#0f6b6e", "#d9822b", "#5a67d8")


def _n(x: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros: stable text for the same geometry."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _text(x: float, y: float, s: str, *, size: int = 12, anchor: str = "start", weight: str = "normal",
          fill: str = INK, extra: str = "") -> str:
    w = f' font-weight="{weight}"' if weight != "normal" else ""
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{w}{extra}>'
            f"{escape(s)}</text>")


def _svg(chart_id: str, width: float, height: float, title: str, desc: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" '
        f'height="{_n(height)}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'font-family="{FONT}" class="chart-svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _years(b: Builder) -> tuple[list[int], dict[int, list[str]]]:
    by_year: dict[int, list[str]] = defaultdict(list)
    for e in b.g.editions:
        y = b.year(e)
        if y.isdigit():
            by_year[int(y)].append(e)
    if not by_year:
        return [], by_year
    return list(range(min(by_year), max(by_year) + 1)), by_year


# --- participation heatmap ----------------------------------------------------------------------------------

def participation(b: Builder, page: Page, chart_id: str = "heatmap") -> dict[str, Any]:
    g = b.g
    years, by_year = _years(b)
    lists_of_year = {y: [cl for e in by_year.get(y, []) for cl in g.lists_of_edition.get(e, [])] for y in years}
    countries = {c for cl in g.country_lists.values() for c in cl.countries}
    members = {c for c, ms in g.memberships.items() if ms}
    rows = sorted(countries | members,
                  key=lambda c: (-sum(1 for y in years if any(c in cl.countries for cl in lists_of_year[y])),
                                 g.label(c).casefold(), c))
    state: dict[tuple[str, int], str] = {}
    for c in rows:
        for y in years:
            lists = lists_of_year[y]
            n = sum(1 for cl in lists if c in cl.countries)
            state[c, y] = "every" if lists and n == len(lists) else "some" if n else "none"

    label_w, col_w, row_h, top, total_w = 200.0, 84.0, 26.0, 52.0, 76.0
    width = label_w + col_w * len(years) + total_w
    height = top + row_h * len(rows) + 8
    body: list[str] = [f'<rect x="0" y="{_n(top + j * row_h)}" width="{_n(width)}" height="{_n(row_h)}" '
                       f'fill="#f8fafc"/>' for j in range(0, len(rows), 2)]
    for i, y in enumerate(years):
        x = label_w + i * col_w
        documented = y in by_year
        if not documented:
            body.append(f'<rect x="{_n(x + 1)}" y="{_n(top - 4)}" width="{_n(col_w - 2)}" '
                        f'height="{_n(row_h * len(rows) + 4)}" fill="{GAP}"/>')
        partial = any(cl.partial for cl in lists_of_year[y])
        label = f"{y}{'*' if partial else ''}"
        body.append(_text(x + col_w / 2, top - 24, label, size=14, anchor="middle",
                          weight="bold" if documented else "normal", fill=INK if documented else MUTED))
        sub = (f"{len(lists_of_year[y])} list{'s' if len(lists_of_year[y]) != 1 else ''}" if documented
               else "no edition")
        body.append(_text(x + col_w / 2, top - 9, sub, size=11, anchor="middle", fill=MUTED))
    body.append(_text(label_w + col_w * len(years) + total_w / 2, top - 9, "years named", size=11,
                      anchor="middle", fill=MUTED))
    for j, c in enumerate(rows):
        yy = top + j * row_h
        url = page.url_of(c)
        name = escape(g.label(c))
        label = _text(label_w - 12, yy + row_h / 2 + 5, g.label(c), size=14, anchor="end")
        body.append(f'<a href="{escape(url)}">{label}</a>' if url else label)
        for i, y in enumerate(years):
            if y not in by_year:
                continue
            x = label_w + i * col_w
            s = state[c, y]
            n_lists = len(lists_of_year[y])
            n = sum(1 for cl in lists_of_year[y] if c in cl.countries)
            tip = {"every": "named by every source", "some": f"named by {n} of {n_lists} sources",
                   "none": "not named"}[s]
            fill = {"every": EVERY, "some": SOME, "none": NONE_FILL}[s]
            stroke = "" if s != "none" else f' stroke="{GRID}"'
            body.append(f'<rect x="{_n(x + 3)}" y="{_n(yy + 2)}" width="{_n(col_w - 6)}" height="{_n(row_h - 4)}" '
                        f'rx="3" fill="{fill}"{stroke}><title>{name}, {y}: {escape(tip)}</title></rect>')
            if s == "some":
                body.append(_text(x + col_w / 2, yy + row_h / 2 + 5, "½", size=13, anchor="middle", fill=INK))
        n_years = sum(1 for y in years if state[c, y] != "none")
        body.append(_text(label_w + col_w * len(years) + total_w / 2, yy + row_h / 2 + 5, str(n_years), size=14,
                          anchor="middle", weight="bold" if n_years else "normal", fill=INK if n_years else MUTED))
    svg = _svg(chart_id, width, height, "Participation: which countries the sources name, by year",
               "Rows are countries, columns years. A dark cell: every source that lists the countries of that "
               "year's edition names the country; a light cell with ½: some do; an empty cell: none does. "
               "Shaded columns are years without a documented edition; a starred year has a partial list.", body)
    t = Table(["Country", *[str(y) for y in years], "Years named"], cls="heat")
    glyph = {"every": "\u25cf every source", "some": "\u25d0 some", "none": NDASH}
    for c in rows:
        t.add(page.link(c), *[glyph[state[c, y]] if y in by_year else "no edition" for y in years],
              str(sum(1 for y in years if state[c, y] != "none")))
    legend = Markup(
        f'<span class="key"><span class="swatch" style="background:{EVERY}"></span> named by every source</span>'
        f'<span class="key"><span class="swatch" style="background:{SOME}"></span> named by some sources (½)</span>'
        f'<span class="key"><span class="swatch" style="background:{NONE_FILL};border:1px solid {GRID}"></span>'
        f' not named</span>'
        f'<span class="key"><span class="swatch" style="background:{GAP}"></span> no documented edition</span>'
        f'<span class="key">* a source names only some of the countries, so “not named” is not “absent”</span>')
    return {"id": chart_id, "title": "Which countries the sources name, year by year", "svg": svg, "table": t,
            "legend": legend,
            "note": "Only the countries the articles name: most articles give examples, not the whole list. "
                    "Colombo Plan member states never named are included as empty rows."}


def _short(b: Builder, e: str) -> str:
    """`Jakarta and Bandung` for `2018 edition, Jakarta and Bandung`: the edition's label without its year,
    else its places, else its mode."""
    label = b.g.label(e)
    year = b.year(e)
    if year and label.startswith(year) and ", " in label:
        return label.split(", ", 1)[1]
    places = ", ".join(b.g.label(p.value) for p in b.g.values(e, V.HELD_IN))
    return places or ", ".join(SHORT_MODES.get(m.value, "") for m in b.g.values(e, V.MODE))


SHORT_MODES = {"https://schema.org/OfflineEventAttendanceMode": "in person",
               "https://schema.org/OnlineEventAttendanceMode": "online",
               "https://schema.org/MixedEventAttendanceMode": "hybrid"}


# --- participants and countries per year -----------------------------------------------------------------

def _nice_step(top: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if top / step <= 6:
            return step
    return 100000


@dataclass(frozen=True)
class YearFigures:
    """One year's bars: None where no source states the figure (or no edition is documented)."""

    year: int
    editions: list[str]
    participants: int | None
    countries: int | None
    named: int | None
    disputed: bool

    def value(self, key: str) -> int | None:
        return {"participants": self.participants, "countries": self.countries, "named": self.named}[key]


def figures(b: Builder, page: Page, chart_id: str = "figures") -> dict[str, Any]:
    """Per year: the participants the sources state (summed over the year's editions), the largest number of
    countries an edition of the year is stated to have, and the countries the sources name (distinct)."""
    g = b.g
    years, by_year = _years(b)
    data: list[YearFigures] = []
    for y in years:
        eds = [e for e in by_year.get(y, []) if e in b.kind]
        part: list[int] = []
        ctry: list[int] = []
        disputed = conflict = False
        for e in eds:
            ps = sorted(int(v.value) for v in g.values(e, V.PARTICIPANTS) if v.value.isdigit())
            cs = sorted(int(v.value) for v in g.values(e, V.COUNTRIES) if v.value.isdigit())
            conflict |= len(ps) > 1 or len(cs) > 1
            if ps:
                part.append(ps[-1])
            if cs:
                ctry.append(cs[-1])
            claims = [c for p in (V.PARTICIPANTS, V.COUNTRIES) for v in g.values(e, p) for c in g.claims_for(e, p, v)]
            disputed |= bool(g.discrepancies_of(claims))
        named = len({c for e in eds for c in g.iris(e, V.PARTICIPATING)})
        data.append(YearFigures(y, eds, sum(part) if part else None, max(ctry) if ctry else None,
                                named if eds else None, disputed or conflict))
    top = max([v for d in data for v in (d.participants, d.countries, d.named) if v] + [1])
    step = _nice_step(top)
    ymax = step * (int(top / step) + 1)
    left, plot_h, top_pad, bottom = 52.0, 240.0, 20.0, 48.0
    group_w, bar_w = 132.0, 32.0
    width = left + group_w * max(1, len(data)) + 12
    height = top_pad + plot_h + bottom
    body: list[str] = []
    tick = 0
    while tick <= ymax:
        y_tick = top_pad + plot_h - plot_h * tick / ymax
        body.append(f'<line x1="{_n(left)}" x2="{_n(width - 8)}" y1="{_n(y_tick)}" y2="{_n(y_tick)}" '
                    f'stroke="{GRID}"/>')
        body.append(_text(left - 8, y_tick + 4, f"{tick:,}", size=12, anchor="end", fill=MUTED))
        tick += step
    series = (("participants", "participants (stated)"), ("countries", "countries (stated)"),
              ("named", "countries named"))
    for i, d in enumerate(data):
        x0 = left + i * group_w + (group_w - 3 * bar_w - 4) / 2
        mid = x0 + (3 * bar_w + 4) / 2
        if not d.editions:
            body.append(f'<rect x="{_n(left + i * group_w + 4)}" y="{_n(top_pad)}" width="{_n(group_w - 8)}" '
                        f'height="{_n(plot_h)}" fill="{GAP}"/>')
            body.append(_text(mid, top_pad + plot_h - 8, "no edition", size=12, anchor="middle", fill=MUTED))
            body.append(_text(mid, top_pad + plot_h + 20, str(d.year), size=14, anchor="middle", fill=MUTED))
            continue
        for k, ((key, what), colour) in enumerate(zip(series, BAR_COLOURS, strict=True)):
            x = x0 + k * (bar_w + 2)
            v = d.value(key)
            if v is None:
                body.append(_text(x + bar_w / 2, top_pad + plot_h - 6, "?", size=13, anchor="middle", fill=MUTED))
                continue
            h = plot_h * v / ymax
            y_top = top_pad + plot_h - h
            body.append(f'<rect x="{_n(x)}" y="{_n(y_top)}" width="{_n(bar_w)}" height="{_n(h)}" fill="{colour}">'
                        f'<title>{d.year}: {escape(what)} {v:,}</title></rect>')
            body.append(_text(x + bar_w / 2, y_top - 5, f"{v:,}", size=12, anchor="middle"))
        label = f"{d.year}{'†' if d.disputed else ''}"
        url = page.url_of(d.editions[0]) if len(d.editions) == 1 else None
        text = _text(mid, top_pad + plot_h + 20, label, size=14, anchor="middle", weight="bold")
        body.append(f'<a href="{escape(url)}">{text}</a>' if url else text)
        sub = _short(b, d.editions[0]) if len(d.editions) == 1 else f"{len(d.editions)} editions"
        body.append(_text(mid, top_pad + plot_h + 38, sub[:22], size=11, anchor="middle", fill=MUTED))
    body.append(f'<line x1="{_n(left)}" x2="{_n(width - 8)}" y1="{_n(top_pad + plot_h)}" '
                f'y2="{_n(top_pad + plot_h)}" stroke="{MUTED}"/>')
    svg = _svg(chart_id, width, height, "Participants and countries per year",
               "For each year, three bars: the number of participants the sources state, the number of countries "
               "they state, and the number of countries they name. Years without a documented edition are shaded.",
               body)
    t = Table(["Year", "Editions", "Participants (stated)", "Countries (stated)", "Countries named", "Note"],
              cls="figures")
    for d in data:
        if not d.editions:
            t.add(str(d.year), Markup('<span class="none">no documented edition</span>'), "", "", "", "")
            continue
        note = "the sources dispute these figures or use one figure for both" if d.disputed else ""
        t.add(str(d.year), Markup(", ").join(page.link(e) for e in d.editions),
              f"{d.participants:,}" if d.participants is not None else "not stated",
              f"{d.countries:,}" if d.countries is not None else "not stated", str(d.named), note)
    legend = Markup("".join(
        f'<span class="key"><span class="swatch" style="background:{c}"></span> {w}</span>'
        for c, (_, w) in zip(BAR_COLOURS, series, strict=True))
        + '<span class="key">† disputed or ambiguous figures (see the edition)</span>')
    return {"id": chart_id, "title": "Participants and countries per year", "svg": svg, "table": t,
            "legend": legend,
            "note": "Figures as the articles state them; countries named as counted from the articles\u2019 lists. "
                    "With several editions in a year, participants are added up and the largest stated number of "
                    "countries is shown."}


# --- timeline ------------------------------------------------------------------------------------------

def _fraction(date: str | None) -> float:
    """Where in its year a date falls (0..1); the middle of the year when not known."""
    if not date or len(date) < 7:
        return 0.5
    try:
        month = int(date[5:7])
        day = int(date[8:10]) if len(date) >= 10 else 15
    except ValueError:
        return 0.5
    return min(0.98, max(0.02, ((month - 1) * 30.5 + day) / 366))


MAX_ROWS = 24   # above this many editions and plans, one lane per programme instead of one row per edition


def timeline(b: Builder, page: Page, editions: list[str] | None = None, chart_id: str = "timeline") -> dict[str, Any]:
    g = b.g
    editions = [e for e in (editions if editions is not None else g.editions) if e in b.kind]
    plans = []
    for e in editions:
        for p in g.iris(e, V.NEXT_PLAN):
            years = sorted(int(v.value) for v in g.values(p, V.PLANNED_YEAR) if v.value.isdigit())
            plans.append((e, p, years))
    all_years = [int(b.year(e)) for e in editions if b.year(e).isdigit()] + [y for _, _, ys in plans for y in ys]
    table = Table(["Year", "Edition", "Dates", "Held in", "Mode", "Status"], cls="timeline")
    if not all_years:
        return {"id": chart_id, "title": "Timeline of the editions", "svg": Markup(""), "table": table,
                "legend": None, "note": None}
    y0, y1 = min(all_years), max(all_years)
    documented = {int(b.year(e)) for e in editions if b.year(e).isdigit()}
    compact = len(editions) + len(plans) > MAX_ROWS
    programmes = sorted({g.edition_programme.get(e) or "" for e in editions}, key=lambda p: (g.label(p) if p else ""))
    lane = {p: i for i, p in enumerate(programmes)}
    n_rows = len(programmes) if compact else len(editions) + len(plans)
    label_w, year_w, row_h, top = 270.0, 92.0, 30.0, 34.0
    width = label_w + year_w * (y1 - y0 + 1) + 12
    height = top + row_h * n_rows + 12
    body: list[str] = []
    for i, y in enumerate(range(y0, y1 + 1)):
        x = label_w + i * year_w
        if y not in documented:
            body.append(f'<rect x="{_n(x)}" y="{_n(top - 8)}" width="{_n(year_w)}" height="{_n(row_h * n_rows + 8)}" '
                        f'fill="{GAP}"/>')
        body.append(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{_n(top - 8)}" y2="{_n(top + row_h * n_rows)}" '
                    f'stroke="{GRID}"/>')
        body.append(_text(x + year_w / 2, top - 14, str(y), size=14, anchor="middle",
                          weight="bold" if y in documented else "normal", fill=INK if y in documented else MUTED))
    if compact:
        for p, i in lane.items():
            yy = top + i * row_h + row_h / 2
            name = g.label(p) if p else "no programme"
            label = _text(label_w - 12, yy + 5, name[:34], size=13, anchor="end")
            url = page.url_of(p) if p else None
            body.append(f'<a href="{escape(url)}">{label}</a>' if url else label)
    row = 0
    for e in editions:
        yy = top + (lane[g.edition_programme.get(e) or ""] if compact else row) * row_h + row_h / 2
        year = int(b.year(e)) if b.year(e).isdigit() else y0
        start, end = g.value(e, V.START), g.value(e, V.END)
        when = start or end     # a dot at the start, or at the end where only the end is known
        x = label_w + (year - y0 + _fraction(when.value if when else None)) * year_w
        places = ", ".join(g.label(p.value) for p in g.values(e, V.HELD_IN)) or "place not stated"
        url = page.url_of(e)
        if not compact:
            label = _text(label_w - 12, yy + 5, g.label(e)[:36], size=13, anchor="end")
            body.append(f'<a href="{escape(url)}">{label}</a>' if url else label)
        if start and end and not compact:
            x1 = label_w + (year - y0 + _fraction(end.value)) * year_w
            body.append(f'<rect x="{_n(x - 1)}" y="{_n(yy - 5)}" width="{_n(max(2, x1 - x + 2))}" height="10" '
                        f'rx="3" fill="{EVERY}" opacity="0.35"/>')
        dot = (f'<circle cx="{_n(x)}" cy="{_n(yy)}" r="{5 if compact else 7}" fill="{EVERY}">'
               f'<title>{escape(g.label(e))}</title></circle>')
        body.append(f'<a href="{escape(url)}">{dot}</a>' if url else dot)
        dates = f" {NDASH} ".join(format_literal(v) for v in (start, end) if isinstance(v, Literal)) or "not stated"
        modes = ", ".join(page.term(m).striptags() for m in g.values(e, V.MODE)) or "not stated"
        table.add(b.year(e), page.link(e), dates, places, modes, "held")
        row += 1
    for e, p, years in plans:
        yy = top + (lane[g.edition_programme.get(e) or ""] if compact else row) * row_h + row_h / 2
        places = ", ".join(g.label(x.value) for x in g.values(p, V.PLANNED_PLACE)) or "place not stated"
        if not compact:
            label = _text(label_w - 12, yy + 5, f"planned at {b.year(e)}: {places}"[:36], size=13, anchor="end",
                          fill=MUTED, extra=' font-style="italic"')
            url = page.url_of(p)
            body.append(f'<a href="{escape(url)}">{label}</a>' if url else label)
        for y in years:
            x = label_w + (y - y0 + 0.5) * year_w
            body.append(f'<circle cx="{_n(x)}" cy="{_n(yy)}" r="{5 if compact else 7}" fill="#ffffff" stroke="{EVERY}" '
                        f'stroke-width="2" stroke-dasharray="3 2"><title>planned for {y}, as stated at '
                        f'{escape(g.label(e))}</title></circle>')
        if len(years) > 1 and not compact:
            xa = label_w + (years[0] - y0 + 0.5) * year_w
            xb = label_w + (years[-1] - y0 + 0.5) * year_w
            body.append(f'<line x1="{_n(xa + 8)}" x2="{_n(xb - 8)}" y1="{_n(yy)}" y2="{_n(yy)}" stroke="{MUTED}" '
                        f'stroke-dasharray="2 3"/>')
            body.append(_text((xa + xb) / 2, yy - 9, "the sources disagree", size=11, anchor="middle", fill=MUTED))
        modes = ", ".join(page.term(m).striptags() for m in g.values(p, V.MODE)) or "not stated"
        table.add(" or ".join(map(str, years)) or "not stated", page.link(p, f"plan stated at {g.label(e)}"),
                  "", places, modes, Markup('<span class="badge planned">planned</span>'))
        row += 1
    svg = _svg(chart_id, width, height, "Timeline of the editions",
               ("One row per programme; a filled dot per documented edition at its start, a hollow dashed dot per "
                "edition announced as planned." if compact else
                "One row per documented edition, a filled dot at its start and a bar to its end; hollow dashed dots "
                "are editions announced as planned.") + " Shaded years have no documented edition.", body)
    legend = Markup(
        f'<span class="key"><span class="dot" style="background:{EVERY}"></span> edition held'
        f'{"" if compact else " (bar: its dates)"}</span>'
        f'<span class="key"><span class="dot hollow"></span> planned, as a source states it</span>'
        f'<span class="key"><span class="swatch" style="background:{GAP}"></span> no documented edition</span>')
    return {"id": chart_id, "title": "Timeline of the editions", "svg": svg, "table": table, "legend": legend,
            "note": None}
