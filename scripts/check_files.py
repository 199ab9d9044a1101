"""Static checks of the addon's files: XML well-formed, manifest files present,
every test file imported by tests/__init__.py (Odoo's own runner only runs
those), the function budget kept (lines per function), a member's push flag
written by its one file only. A file holds one concept,
whatever its length: files over ``LOOK_AT_FILE_LINES`` are listed for a look
(does it hold one concept?), never failed."""

import ast
import pathlib
import re
import sys
from xml.etree import ElementTree

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIP = {".local", ".git", "node_modules"}
LOOK_AT_FILE_LINES = 600  # a Python file this long is listed for a look
MAX_FUNCTION_LINES = 50  # lines of a function, from its ``def`` to its last line
# the one file that writes a member's push flag, and the code that may not
FLAG_OWNER = "models/mailchimp_sync_state.py"
FLAG_CODE = ("models", "wizards", "controllers", "services")
# a write of the flag: a key in a dict or its item set, a keyword, an
# attribute set, SQL's SET
FLAG_WRITE = re.compile(
    r"""["'](need_sync|odoo_changed_at)["'](\s*:|\]\s*=(?!=))"""
    r"""|(?<!\w)(need_sync|odoo_changed_at)\s*=(?!=)"""
)


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


def check_test_imports():
    """The test files tests/__init__.py does not import, and how many do."""
    tests = ROOT / "tests"
    files = {path.stem for path in tests.glob("test_*.py")}
    tree = ast.parse((tests / "__init__.py").read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module
        for alias in node.names
    }
    problems = [
        f"tests/__init__.py does not import tests/{name}.py: Odoo's runner "
        "would skip it"
        for name in sorted(files - imported)
    ]
    return problems, len(files & imported)


def long_file(name, source):
    """A line to print when a file is long enough to deserve a look."""
    lines = len(source.splitlines())
    if lines > LOOK_AT_FILE_LINES:
        return f"{name}: {lines} lines: one concept? (listed, not failed)"
    return None


def budget_problems(name, source):
    """The code budgets a Python file's ``source`` breaks (``name``: its path)."""
    problems = []
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
        source = path.read_text(encoding="utf-8")
        problems += budget_problems(name, source)
        note = long_file(name, source)
        if note:
            print(note)
    return problems, len(files)


def check_flag_writers():
    """Writes of ``need_sync``/``odoo_changed_at`` outside ``FLAG_OWNER``."""
    return [
        f"{path.relative_to(ROOT)}:{number}: writes a member's push flag: call "
        f"the methods of {FLAG_OWNER}"
        for folder in FLAG_CODE
        for path in sorted((ROOT / folder).glob("*.py"))
        if str(path.relative_to(ROOT)) != FLAG_OWNER
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FLAG_WRITE.search(line)
    ]


def main():
    manifest_problems, listed = check_manifest()
    budget, python_files = check_budgets()
    test_problems, test_files = check_test_imports()
    problems = check_xml() + manifest_problems + test_problems + budget
    problems += check_flag_writers()
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(
        f"{listed} manifest files present; XML files well-formed; "
        f"{test_files} test files imported by tests/__init__.py; "
        f"{python_files} Python files within the budget ({MAX_FUNCTION_LINES} lines"
        f" a function); the push flag written in {FLAG_OWNER} only."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
