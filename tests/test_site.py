"""The static site of `course solutions` (autograder/site.py): index.html over executed folders."""
from html.parser import HTMLParser

import nbformat
from nbformat import v4

from autograder import site

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def executed_folder(out, name, heading, paragraph, figures, seconds=None, page=True, more="## A section"):
    """A folder as `course solutions` leaves it: <name>/<name>-solution.ipynb (+ .html)."""
    nb = v4.new_notebook()
    nb.cells.append(v4.new_markdown_cell(f"{heading}\n\n{paragraph}\n\nMore text.\n\n{more}"))
    plot = v4.new_code_cell("plt.show()")
    plot.outputs = [v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})] * figures
    nb.cells.append(plot)
    if seconds is not None:
        site.record_run(nb, seconds)
    folder = out / name
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{name}-solution.ipynb")
    if page:
        (folder / f"{name}-solution.html").write_text("<html>the executed notebook</html>")


class Links(HTMLParser):
    """The links, list items and text of a page, as a browser would parse them."""

    def __init__(self):
        super().__init__()
        self.links, self.items, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs["href"])
        if tag == "li":
            self.items.append(attrs.get("id"))

    def handle_data(self, data):
        self.text.append(data)


def parse(path):
    parser = Links()
    parser.feed(path.read_text())
    return parser


def test_index_lists_each_executed_assignment_in_order(tmp_path):
    executed_folder(tmp_path, "dropout", "# 06 · Dropout", "A large net can *memorize* it. More follows.", 3, 8.43)
    executed_folder(tmp_path, "gradient_checking", "# 01 · Gradient checking", "Backprop is easy to get wrong.", 1,
                    3.0)
    executed_folder(tmp_path, "half_done", "# 02 · Not executed", "The run failed before the page.", 0, page=False)
    (tmp_path / "stray").mkdir()                     # a folder without a notebook is not an assignment
    page = parse(site.write_index(tmp_path, "Training Neural Networks"))
    text = " ".join(" ".join(page.text).split())
    assert page.items == ["gradient_checking", "dropout"]            # by number; half_done has no page
    assert page.links == ["gradient_checking/gradient_checking-solution.html",
                          "gradient_checking/gradient_checking-solution.ipynb",
                          "dropout/dropout-solution.html", "dropout/dropout-solution.ipynb"]
    assert "Training Neural Networks" in text
    assert "01 Gradient checking Backprop is easy to get wrong." in text
    assert "06 Dropout A large net can memorize it." in text and "More follows" not in text  # one sentence
    assert "3 figures · ran in 8.4 s" in text and "1 figure · ran in 3.0 s" in text


def test_index_escapes_what_the_notebooks_say(tmp_path):
    executed_folder(tmp_path, "a b&c", "# 01 · <script>alert(1)</script> & co", "x < y & \"z\".", 0)
    raw = site.write_index(tmp_path).read_text()
    assert "<script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in raw
    assert "x &lt; y &amp; &quot;z&quot;." in raw
    assert parse(tmp_path / "index.html").links[0] == "a%20b%26c/a%20b%26c-solution.html"   # a real URL path
    assert "run time unknown" in raw and "0 figures" in raw


def test_entry_without_a_numbered_heading_uses_the_folder_name(tmp_path):
    executed_folder(tmp_path, "extra", "Plain text, no heading", "", 0, more="")
    e = site.entry(tmp_path / "extra")
    assert (e.number, e.title, e.figures, e.seconds) == ("", "extra", 0, None)
    assert site.entries(tmp_path) == [e]


def test_course_title_is_the_readme_heading(tmp_path):
    assert site.course_title(tmp_path) == site.DEFAULT_TITLE
    (tmp_path / "README.md").write_text("intro\n# My Course\n## More\n")
    assert site.course_title(tmp_path) == "My Course"
