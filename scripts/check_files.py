"""Static checks of the addon's files: XML well-formed, manifest files present,
code budgets kept (lines per Python file, lines per function)."""

import ast
import pathlib
import sys
from xml.etree import ElementTree

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIP = {".local", ".git", "node_modules"}
MAX_FILE_LINES = 400  # lines of a Python file
MAX_FUNCTION_LINES = 50  # lines of a function, from its ``def`` to its last line


def _files(pattern):
    for path in sorted(ROOT.rglob(pattern)):
        if not SKIP & set(path.relative_to(ROOT).parts):
            yield path


def check_xml():
    problems = []
    for path in _files("*.xml"):
        try:
            ElementTree.parse(path)
        except ElementTree.ParseError as error:
            problems.append(f"{path.relative_to(ROOT)}: not well-formed XML: {error}")
    return problems


def check_manifest():
    """The problems, and the number of files the manifest lists."""
    manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text())
    listed = manifest.get("data", []) + manifest.get("demo", [])
    for bundle in manifest.get("assets", {}).values():
        listed += [f for f in bundle if isinstance(f, str) and "*" not in f]
    problems = [
        f"__manifest__.py lists {name}, which does not exist"
        for name in listed
        if not (ROOT / name).is_file() and not name.startswith(("web/", "mail/"))
    ]
    return problems, len(listed)


def budget_problems(name, source):
    """The code budgets a Python file's ``source`` breaks (``name``: its path)."""
    problems = []
    lines = len(source.splitlines())
    if lines > MAX_FILE_LINES:
        problems.append(f"{name}: {lines} lines (budget {MAX_FILE_LINES})")
    try:
        tree = ast.parse(source, filename=name)
    except SyntaxError as error:
        return problems + [f"{name}: not valid Python: {error}"]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(
                    f"{name}:{node.lineno} function {node.name} is {length} lines"
                    f" (budget {MAX_FUNCTION_LINES})"
                )
    return problems


def check_budgets():
    """The code budgets, on every Python file (migrations included)."""
    problems = []
    files = list(_files("*.py"))
    for path in files:
        name = str(path.relative_to(ROOT))
        problems += budget_problems(name, path.read_text(encoding="utf-8"))
    return problems, len(files)


def main():
    manifest_problems, listed = check_manifest()
    budget, python_files = check_budgets()
    problems = check_xml() + manifest_problems + budget
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(
        f"{listed} manifest files present; XML files well-formed; "
        f"{python_files} Python files within the budgets ({MAX_FILE_LINES} lines"
        f" a file, {MAX_FUNCTION_LINES} a function)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
