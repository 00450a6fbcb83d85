"""The sign-off line of release.html and the workbook cover, kept apart from both renderers.

The line comes from the release notes' ``extra["signoff"]`` (set by release_files.signoff_notes
from orchestration/lib/signoff.py): "Signed off by … on …", "Not signed off", or a stale sign-off,
in English and Welsh (translation catalogue keys ``signoff.*``). Notes without it say "Not signed
off": a release nobody has signed is never shown as signed.
"""

import html

from orchestration.lib.translations import text


def _line(notes) -> dict[str, str]:
    extra = getattr(notes, "extra", None) or {}
    line = extra.get("signoff")
    if not line:
        return {"en": text("signoff.not_signed", "en"), "cy": text("signoff.not_signed", "cy")}
    return {"en": line["en"], "cy": line["cy"]}


def _lang(notes) -> str:
    return getattr(notes, "lang", "en") or "en"


def signoff_html(notes) -> str:
    """The line in the page's own language (release.html in English, release-cy.html in Welsh)."""
    lang = _lang(notes)
    line = _line(notes)
    return (
        f'<p class="signoff" id="signoff"><strong>{html.escape(text("signoff.heading", lang))}:</strong> '
        f"{html.escape(line[lang])}</p>"
    )


def signoff_cover_texts(notes) -> tuple[str, str]:
    """(heading, line) for the workbook cover, in the workbook's language."""
    lang = _lang(notes)
    return text("signoff.heading", lang), _line(notes)[lang]
