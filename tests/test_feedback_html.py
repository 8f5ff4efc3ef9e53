"""The feedback pages' exporter: what nbconvert's HTMLExporter shows, without its second parse."""
import base64

import nbformat
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

from autograder import feedback_html
from autograder.nbgrader_settings import FEEDBACK_EXPORTER, nbgrader_config
from autograder.sandbox import Limits

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")).decode()


def _notebook():
    nb = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# Dropout\nThe *mask* is scaled by $1/p$."),
                nbformat.v4.new_code_cell("def f(x):\n    return 2 * x  # doubled", outputs=[
                    nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
                    nbformat.v4.new_output("error", ename="HintError", evalue="scale by 1/p",
                                           traceback=["HintError: scale by 1/p"])])]
    return nb


def _config():
    c = Config()
    c.HTMLExporter.template_name = "classic"
    return c


def test_the_page_says_what_htmlexporter_says_and_every_image_has_alt_text():
    ours, _ = feedback_html.FeedbackExporter(config=_config()).from_notebook_node(_notebook())
    theirs, _ = HTMLExporter(config=_config()).from_notebook_node(_notebook())
    text = lambda page: " ".join(BeautifulSoup(page, "html.parser").get_text().split())  # noqa: E731
    assert text(ours) == text(theirs)
    assert "return 2 * x" in text(ours) and "scale by 1/p" in text(ours)
    images = BeautifulSoup(ours, "html.parser").find_all("img")
    assert len(images) == 1 and images[0]["alt"] == feedback_html.MISSING_ALT, images


def test_alt_text_only_where_an_image_has_none():
    page = '<p><img src="a.png"><IMG class="x" src="b.png"/><img alt="plot" src="c.png"></p>'
    images = BeautifulSoup(feedback_html.with_alt_text(page), "html.parser").find_all("img")
    assert [i["alt"] for i in images] == [feedback_html.MISSING_ALT, feedback_html.MISSING_ALT, "plot"]


def test_a_second_exporter_compiles_no_template_again(monkeypatch):
    feedback_html.FeedbackExporter(config=_config()).from_notebook_node(_notebook())
    assert len(feedback_html.COMPILED_TEMPLATES) > 0
    compiled = []
    real = feedback_html.jinja2.Environment.compile
    monkeypatch.setattr(feedback_html.jinja2.Environment, "compile",
                        lambda self, *a, **kw: compiled.append(a) or real(self, *a, **kw))
    page, _ = feedback_html.FeedbackExporter(config=_config()).from_notebook_node(_notebook())
    assert "return 2 * x" in BeautifulSoup(page, "html.parser").get_text()
    assert compiled == [], f"{len(compiled)} templates compiled again"


def test_grading_feedback_uses_it():
    config = nbgrader_config(db_url="sqlite://", limits=Limits())
    assert config.GenerateFeedback.exporter_class == FEEDBACK_EXPORTER
    module, name = FEEDBACK_EXPORTER.rsplit(".", 1)
    assert getattr(__import__(module, fromlist=[name]), name) is feedback_html.FeedbackExporter


def test_a_cell_seen_before_is_not_highlighted_again(monkeypatch):
    import nbconvert.filters.highlight as highlight
    monkeypatch.setattr(feedback_html.RememberedHighlight, "drawn", feedback_html.OrderedDict())
    coloured = []
    real = highlight._pygments_highlight
    monkeypatch.setattr(highlight, "_pygments_highlight", lambda source, *a: coloured.append(source) or real(source, *a))
    first, _ = feedback_html.FeedbackExporter(config=_config()).from_notebook_node(_notebook())
    assert coloured == ["def f(x):\n    return 2 * x  # doubled"]
    again = _notebook()   # run at another time: nbclient's timing metadata differs, the colours do not
    again.cells[1].metadata["execution"] = {"iopub.execute_input": "2026-12-01T10:00:00.000001Z"}
    again, _ = feedback_html.FeedbackExporter(config=_config()).from_notebook_node(again)
    text = lambda page: BeautifulSoup(page, "html.parser").get_text()  # noqa: E731
    assert text(again) == text(first) and len(coloured) == 1
    other = _notebook()
    other.cells[1].source = "def f(x):\n    return 3 * x"
    page, _ = feedback_html.FeedbackExporter(config=_config()).from_notebook_node(other)
    assert len(coloured) == 2 and "return 3 * x" in text(page)
