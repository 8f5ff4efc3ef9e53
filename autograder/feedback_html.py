"""The exporter of the feedback pages (``GenerateFeedback.exporter_class``): nbconvert's HTMLExporter,
three costs lighter.

- HTMLExporter parses every finished page with BeautifulSoup to give images without alt text a
  default one and to make JupyterLab's cells focusable: 0.25 s a page, an eighth of grading a
  notebook. nbgrader's ``feedback`` template draws no JupyterLab cells, and the default alt text is
  set here with one regular expression, so the page says the same without the parse.
- nbgrader makes a new exporter for each feedback run, and each one compiled the same Jinja
  templates again (0.1 s a page). The compiled templates are kept for the process instead (keyed by
  file and checked against the template's source, so an edited template is compiled again).
- Most code cells are the same on every student's page (the tests, the provided code, answers
  left as released), and Pygments coloured each again (0.15 s a page). Each cell's highlighted
  HTML is kept for the process, keyed by everything the highlighter reads.
"""
from __future__ import annotations

import json
import re
from collections import OrderedDict

import jinja2
from nbconvert.exporters import HTMLExporter, TemplateExporter

MISSING_ALT = "No description has been provided for this image"  # HTMLExporter's own words
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)", re.IGNORECASE)


class _ProcessBytecodeCache(jinja2.BytecodeCache):
    """Compiled Jinja templates, kept in memory for the life of the process."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def __len__(self) -> int:
        return len(self._code)


COMPILED_TEMPLATES = _ProcessBytecodeCache()


class RememberedHighlight:
    """nbconvert's Highlight2HTML, remembering the HTML of the last ``size`` cells it coloured."""

    drawn: OrderedDict = OrderedDict()   # for the process: every exporter's pages share it
    size = 4096

    def __init__(self, highlight):
        self._highlight = highlight

    def __call__(self, source, language=None, metadata=None):
        key = (source, language, self._highlight.pygments_lexer,
               json.dumps(self._highlight.extra_formatter_options, sort_keys=True, default=str),
               (metadata or {}).get("magics_language"))   # of the metadata, only this is read
        if key in self.drawn:
            self.drawn.move_to_end(key)
            return self.drawn[key]
        html = self.drawn[key] = self._highlight(source, language, metadata)
        if len(self.drawn) > self.size:
            self.drawn.popitem(last=False)
        return html


def with_alt_text(page: str) -> str:
    """``page`` with HTMLExporter's default alt text on every ``<img>`` that has none."""
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{MISSING_ALT}"', page)


class FeedbackExporter(HTMLExporter):
    """HTMLExporter without the BeautifulSoup pass over the finished page; templates compiled and
    cells highlighted once per process."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED_TEMPLATES
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        # HTMLExporter's own steps up to the page (the filters its templates call), then the page
        # as the template wrote it: HTMLExporter.from_notebook_node would parse it once more.
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", RememberedHighlight(Highlight2HTML(pygments_lexer=lexer, parent=self))))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return with_alt_text(page), resources
