"""The nbgrader settings every course copy uses, as text for an nbgrader_config.py."""

CODE_STUB = 'raise NotImplementedError("Your code here: see the docstring and the hint above.")'
TEXT_STUB = "YOUR ANSWER HERE"

CONFIG = f'''\
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "training-neural-networks"
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}
c.ClearSolutions.text_stub = {TEXT_STUB!r}
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*", "*.py", "executed"]
'''
