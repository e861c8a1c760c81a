"""Every text a person reads lives in the catalogues (catalogue/, domain.yml's responses),
never in a string literal in actions/ or bot/: a literal can be neither translated nor
reviewed with its neighbours. What is not read by a submitter, the public or City staff is
left alone: docstrings and the HTTP API's own documentation, log lines, patterns and the
words people may type (compared, never shown), developers' exceptions, HTTP headers, and
the few answers written for other programs and operators listed in FOR_PROGRAMS."""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Two words of two or more letters in a row: how prose looks, and identifiers, paths,
# codes, URLs and CSS classes do not.
PROSE = re.compile(r"[^\W\d_]{2,}[ ,;:’']+[^\W\d_]{2,}")
NOT_FOR_PEOPLE = {
    # Log lines and warnings are read by operators, in English, next to the code.
    "debug",
    "info",
    "warning",
    "error",
    "exception",
    "critical",
    "warn",
    "log",
    # Patterns and SQL.
    "compile",
    "match",
    "fullmatch",
    "search",
    "sub",
    "split",
    "findall",
    "finditer",
    "execute",
    "text",
}
# Keyword arguments that document the HTTP API for integrators (its OpenAPI description).
API_DOCUMENTATION = {"description", "summary", "response_description", "media_type"}
HEADER_NAME = re.compile(r"^[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)*$")
# Answers written for other programs (API clients, Slack's servers) and for operators (an
# outbox delivery's recorded failure, a job's name), in English beside the code that gives
# them, by file and the literal's beginning. The web chat page words its own errors from
# the catalogue (catalogue/*/page.yml), whatever these say.
FOR_PROGRAMS = {
    "actions/__main__.py": ("a valid token is required",),
    # A skipped answer's stored marker, worded for people by form.value.not_given.
    "actions/guided_form.py": ("not given",),
    "bot/__main__.py": ("bot.app:create_app",),
    "bot/app.py": ("A part is down", "Slack is not configured", "Invalid request."),
    # The HTTP statuses' meanings in the OpenAPI description, and its language parameter.
    "bot/http_errors.py": (
        "Malformed request",
        "A token is required",
        "Sent from another site",
        "Not found",
        "Request body too large",
        "The body is not JSON",
        "A parameter has the wrong type",
        "Too many requests from this client",
        "A part of the service is down",
    ),
    "bot/pipeline/page.py": ("`?lang=en|es` chooses the language",),
    "bot/chat.py": (
        "The inbox answers for the web chat page's own identity",
        "'sender' must be",
        "the web chat page",
        "Sender ids starting with",
        "' are reserved",
        "'message' must be",
        "This REST channel answers",
        "'language' must be one of",
        "'remember' must be",
        "no body",
    ),
    "bot/public_api.py": (
        "text/csv; charset=utf-8",
        "Malformed reference",
        "No submission with reference",
        "timestamp or month",
    ),
    "bot/rate_limit.py": ("Too many requests from your address", " s and try again."),
    "bot/request_body.py": (
        "Send the body as JSON",
        "Request too large",
        "Malformed JSON",
        "Expected a JSON object",
    ),
    "bot/slack/endpoint.py": (
        "expected a JSON object",
        "payload is not a JSON object",
        "expected a payload",
        "the body is not valid JSON",
        "unsupported content type",
        "block_actions without",
        "Request too large for a Slack",
        "Invalid or stale Slack",
        "This Slack request was",
        "Unreadable Slack payload",
    ),
    "bot/notifier/failures.py": (
        "no answer within the deadline",
        " s), cut off",
        "no error code",
        "SMTP recipient refused",
    ),
    "bot/notifier/lease.py": (": claim lost before sending",),
    "bot/notifier/results.py": ("not ready, postponed by",),
    "bot/scheduler.py": ("idle conversations", "sent outbox messages"),
    "bot/web/static/chat.js": ("use strict",),
}

# Raised for developers and operators (a bug, a misconfiguration), never shown to a
# submitter or staff as an answer.
DEVELOPER_ERRORS = {
    "ValueError",
    "TypeError",
    "KeyError",
    "RuntimeError",
    "AssertionError",
    "NotImplementedError",
    "LookupError",
    "AttributeError",
    "OSError",
    "ConnectionError",
}


def _called_name(node: ast.Call) -> str:
    function = node.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


class _Literals(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []
        self.skipped: set[int] = set()

    def _skip(self, node: ast.AST) -> None:
        for inner in ast.walk(node):
            self.skipped.add(id(inner))

    def visit_Module(self, node: ast.Module) -> None:
        self._skip_docstring(node)
        self.generic_visit(node)

    def _skip_docstring(self, node: ast.AST) -> None:
        body = getattr(node, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            self._skip(body[0])

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._skip_docstring(node)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]
    visit_ClassDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        if _called_name(node) in NOT_FOR_PEOPLE:
            self._skip(node)
        for keyword in node.keywords:
            if keyword.arg in API_DOCUMENTATION:
                self._skip(keyword.value)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self.skipped.add(id(key))  # a key names, it is not read
                if key.value == "description" or HEADER_NAME.match(key.value):
                    self._skip(value)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            named = target.slice if isinstance(target, ast.Subscript) else None
            if isinstance(named, ast.Constant) and HEADER_NAME.match(str(named.value)):
                self._skip(node.value)  # an HTTP header's value
        self.generic_visit(node)

    def visit_Set(self, node: ast.Set) -> None:
        self._skip(node)  # words compared with what a person typed

    def visit_Compare(self, node: ast.Compare) -> None:
        self._skip(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._skip(node.slice)
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        if isinstance(node.exc, ast.Call) and _called_name(node.exc) in DEVELOPER_ERRORS:
            self._skip(node)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        prose = isinstance(node.value, str) and PROSE.search(node.value)
        if prose and id(node) not in self.skipped:
            self.found.append((node.lineno, node.value))


def python_literals(path: Path) -> list[str]:
    visitor = _Literals()
    visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
    return [f"{path.relative_to(ROOT)}:{line}: {value[:70]!r}" for line, value in visitor.found]


class _PageText(HTMLParser):
    """Text a browser shows, outside Jinja2's {{ }} and {% %}, and the attributes a
    screen reader or a tooltip reads."""

    SPOKEN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "value"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._ignored = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._ignored += 1
        for name, value in attrs:
            if name in self.SPOKEN_ATTRIBUTES and value and PROSE.search(_without_jinja(value)):
                self.found.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._ignored -= 1

    def handle_data(self, data: str) -> None:
        if not self._ignored and PROSE.search(_without_jinja(data)):
            self.found.append(data.strip())


def _without_jinja(text: str) -> str:
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.DOTALL)


def page_texts(path: Path) -> list[str]:
    parser = _PageText()
    parser.feed(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(ROOT)}: {value[:70]!r}" for value in parser.found]


# A quoted literal in JavaScript; comments are removed first.
JS_STRING = re.compile(r"""(["'`])((?:\\.|(?!\1).)*)\1""", re.DOTALL)


def script_literals(path: Path) -> list[str]:
    source = re.sub(
        r"/\*.*?\*/|(?<![:\"'])//[^\n]*", "", path.read_text(encoding="utf-8"), flags=re.DOTALL
    )
    return [
        f"{path.relative_to(ROOT)}: {match.group(2)[:70]!r}"
        for match in JS_STRING.finditer(source)
        if PROSE.search(match.group(2))
    ]


def _for_programs(line: str) -> bool:
    path, _, rest = line.partition(":")
    literal = ast.literal_eval(rest.split(": ", 1)[-1])
    return literal.startswith(FOR_PROGRAMS.get(path, ()))


def written_in_code() -> list[str]:
    found: list[str] = []
    for folder in ("actions", "bot"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix == ".py":
                found += python_literals(path)
            elif path.suffix == ".html":
                found += page_texts(path)
            elif path.suffix == ".js":
                found += script_literals(path)
    return [line for line in found if not _for_programs(line)]


def test_no_text_a_person_reads_is_written_in_code():
    assert written_in_code() == []


def test_the_check_finds_prose_in_each_kind_of_file(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        '"""Docstrings are for developers."""\n'
        'import logging\nlogging.info("a log line for operators")\n'
        'def answer():\n    """Nor this one."""\n    return "Thank you for your proposal"\n'
    )
    page = tmp_path / "page.html"
    page.write_text('<p>{{ t.hello }}</p><button title="Send it now">{{ t.send }}</button>')
    script = tmp_path / "chat.js"
    script.write_text('// a comment for developers\nconst label = "Send message";\n')
    global ROOT
    kept, ROOT = ROOT, tmp_path
    try:
        assert [line.split(": ", 1)[1] for line in python_literals(module)] == [
            "'Thank you for your proposal'"
        ]
        assert page_texts(page) == ["page.html: 'Send it now'"]
        assert script_literals(script) == ["chat.js: 'Send message'"]
    finally:
        ROOT = kept
