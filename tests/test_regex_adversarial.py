"""Every regular expression in hnp_feeds against adversarial strings (issue 13: a style
attribute of ~24 declarations made one backtrack exponentially).

For each pattern, every group and repetition in its parse tree yields a few strings it
matches (its own separators); each is repeated to a long string and followed by a
near-miss character, which is how backtracking is provoked.  Python's ``re`` checks for
signals while it matches, so each pattern runs under a budget (an interval timer) that a
linear pattern needs a thousandth of and a backtracking one blows by orders of
magnitude: 2 s for ~8,000-character inputs, where the old style pattern needs hours and
each pattern here needs milliseconds.  Where RE2 (a linear-time engine) accepts the
pattern, it must agree with ``re`` on every string tried.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import random
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import pytest

import hnp_feeds

SRC = Path(hnp_feeds.__file__).resolve().parent
LENGTH = 5_000
BUDGET_SECONDS = 2.0
NEAR_MISSES = ("", "\x00", "!", ":", "\n", '"')


def _module_patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    """Compiled patterns held by every module of the package (module globals, and
    patterns in dicts, tuples and lists there)."""
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    for info in pkgutil.walk_packages([str(SRC)], prefix="hnp_feeds."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            items = value.values() if isinstance(value, dict) else value
            if isinstance(value, re.Pattern):
                found[f"{info.name}.{name}"] = value
            elif isinstance(value, dict | tuple | list):
                for i, item in enumerate(items):
                    if isinstance(item, re.Pattern):
                        found[f"{info.name}.{name}[{i}]"] = item
    return found


_RE_CALLS = {
    "compile",
    "search",
    "match",
    "fullmatch",
    "sub",
    "subn",
    "findall",
    "finditer",
    "split",
}


def _literal_patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    """Patterns written inline (``re.search(r"...", text)``) anywhere in the source."""
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str | bytes)
            ):
                continue
            flags = 0
            for arg in [*node.args[2:], *(k.value for k in node.keywords if k.arg == "flags")]:
                if isinstance(arg, ast.Attribute) and arg.attr in ("I", "IGNORECASE"):
                    flags |= re.I
                if isinstance(arg, ast.Attribute) and arg.attr in ("S", "DOTALL"):
                    flags |= re.S
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            found[where] = re.compile(node.args[0].value, flags)
    return found


def _unique(
    *found: dict[str, re.Pattern[str] | re.Pattern[bytes]],
) -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    """Each pattern once, under the first name it was found by."""
    seen: set[tuple[object, int]] = set()
    unique: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    for patterns in found:
        for name, pattern in patterns.items():
            if (pattern.pattern, pattern.flags) not in seen:
                seen.add((pattern.pattern, pattern.flags))
                unique[name] = pattern
    return unique


PATTERNS = _unique(_module_patterns(), _literal_patterns())


# ---------------------------------------------------------------- strings a pattern matches

_CATEGORY_SAMPLES = {
    sre_c.CATEGORY_DIGIT: "0719",
    sre_c.CATEGORY_NOT_DIGIT: "a :-",
    sre_c.CATEGORY_SPACE: " \t\n",
    sre_c.CATEGORY_NOT_SPACE: "a1:-",
    sre_c.CATEGORY_WORD: "az_9Đ",
    sre_c.CATEGORY_NOT_WORD: " -:;",
}


def _chars_of(items: list[tuple[object, object]], rng: random.Random) -> str:
    """One character an ``IN`` set matches (a negated set: one it does not exclude)."""
    negate = any(op == sre_c.NEGATE for op, _ in items)
    pool: list[str] = []
    for op, arg in items:
        if op == sre_c.LITERAL:
            pool.append(chr(arg))  # type: ignore[arg-type]
        elif op == sre_c.RANGE:
            low, high = arg  # type: ignore[misc]
            pool.extend({chr(low), chr(high), chr((low + high) // 2)})
        elif op == sre_c.CATEGORY:
            pool.extend(_CATEGORY_SAMPLES.get(arg, "a"))  # type: ignore[call-overload]
    if negate:
        candidates = [c for c in " a1-:;.,/<>&#\"'()x" if c not in pool]
        return rng.choice(candidates or ["\u00e9"])
    return rng.choice(pool or ["a"])


def _generate(tree: list[tuple[object, object]], rng: random.Random, groups: dict[int, str]) -> str:
    """A random string matching the parsed pattern (lookarounds are ignored)."""
    out: list[str] = []
    for op, arg in tree:
        if op == sre_c.LITERAL:
            out.append(chr(arg))  # type: ignore[arg-type]
        elif op == sre_c.NOT_LITERAL:
            out.append("a" if arg != ord("a") else "b")
        elif op == sre_c.ANY:
            out.append(rng.choice("a :;-"))
        elif op == sre_c.IN:
            out.append(_chars_of(arg, rng))  # type: ignore[arg-type]
        elif op == sre_c.BRANCH:
            out.append(_generate(rng.choice(arg[1]), rng, groups))  # type: ignore[index]
        elif op == sre_c.SUBPATTERN:
            number, _, _, body = arg  # type: ignore[misc]
            text = _generate(body, rng, groups)
            if number is not None:
                groups[number] = text
            out.append(text)
        elif op == sre_c.ATOMIC_GROUP:
            out.append(_generate(arg, rng, groups))  # type: ignore[arg-type]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
            low, high, body = arg  # type: ignore[misc]
            count = rng.randint(low, min(high, low + 3))
            out.extend(_generate(body, rng, groups) for _ in range(count))
        elif op == sre_c.GROUPREF:
            out.append(groups.get(arg, ""))  # type: ignore[call-overload]
        elif op == sre_c.GROUPREF_EXISTS:
            _, yes, no = arg  # type: ignore[misc]
            out.append(_generate(yes, rng, groups) if no is None else "")
    return "".join(out)


def _pieces(tree: list[tuple[object, object]]) -> Iterator[list[tuple[object, object]]]:
    """The whole tree, and every group's and repetition's body in it."""
    yield tree
    for op, arg in tree:
        bodies: list[list[tuple[object, object]]] = []
        if op == sre_c.SUBPATTERN:
            bodies = [arg[3]]  # type: ignore[index]
        elif op == sre_c.ATOMIC_GROUP:
            bodies = [arg]  # type: ignore[list-item]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
            bodies = [arg[2]]  # type: ignore[index]
        elif op == sre_c.BRANCH:
            bodies = list(arg[1])  # type: ignore[index]
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            bodies = [arg[1]]  # type: ignore[index]
        for body in bodies:
            yield from _pieces(list(body))


def adversarial(pattern: re.Pattern[str] | re.Pattern[bytes]) -> Iterator[str]:
    """Long repetitions of what the pattern's own parts match, each with near misses."""
    source = pattern.pattern
    text = source.decode("latin-1") if isinstance(source, bytes) else source
    tree = list(sre_parse.parse(text, pattern.flags & ~re.UNICODE & ~re.ASCII))
    rng = random.Random(repr(source))
    units: list[str] = []  # the whole pattern's first, then each part's, two each
    for piece in _pieces(tree):
        made = {_generate(piece, rng, {}) for _ in range(4)} - {""}
        units.extend(sorted(made, key=lambda u: (-len(u), u))[:2])
    for unit in list(dict.fromkeys(units))[:16]:
        repeated = unit * (LENGTH // len(unit) + 1)
        for miss in NEAR_MISSES:
            yield repeated[:LENGTH] + miss
        yield "\n" + repeated[:LENGTH]


class _OverBudget(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _OverBudget


def _run_all(pattern: re.Pattern[str] | re.Pattern[bytes], strings: list[str]) -> list[object]:
    results: list[object] = []
    is_bytes = isinstance(pattern.pattern, bytes)
    for s in strings:
        subject: str | bytes = s.encode("utf-8", "surrogatepass") if is_bytes else s
        found = pattern.search(subject)  # type: ignore[arg-type]
        results.append(found.span() if found else None)
        results.append(len(pattern.findall(subject)))  # type: ignore[arg-type]
    return results


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_is_linear_on_adversarial_strings(name: str) -> None:
    pattern = PATTERNS[name]
    strings = list(adversarial(pattern))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, BUDGET_SECONDS)
    try:
        _run_all(pattern, strings)
    except _OverBudget:
        pytest.fail(f"{name} ({pattern.pattern!r}) backtracks: over {BUDGET_SECONDS} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    linear = _re2(pattern)
    if linear is not None:
        # RE2's $ is the very end and its \w and \s are ASCII: compared where they agree
        comparable = [s for s in strings if s.isascii() and "\n" not in s]
        assert _run_all(pattern, comparable) == _run_all(linear, comparable), (
            f"{name}: re and RE2 disagree"
        )


def _re2(pattern: re.Pattern[str] | re.Pattern[bytes]) -> object | None:
    """The same pattern in RE2, when RE2 can compile it (no lookarounds, backreferences
    or possessive quantifiers), else None."""
    re2 = pytest.importorskip("re2")
    options = re2.Options()
    options.case_sensitive = not pattern.flags & re.I
    options.dot_nl = bool(pattern.flags & re.S)
    try:
        return re2.compile(pattern.pattern, options=options)
    except (re2.error, UnicodeEncodeError):  # UnicodeEncodeError: surrogates in the pattern
        return None


def test_every_pattern_is_collected() -> None:
    """The collection sees the patterns issue 13 is about, inline ones included."""
    assert "hnp_feeds.validator.markup._STYLE_DECLS_RE" in PATTERNS
    assert any(name.startswith("validator/values.py:") for name in PATTERNS)  # inline
    assert len(PATTERNS) > 80


def test_the_old_style_pattern_is_caught() -> None:
    """The harness itself: the pattern issue 13 found backtracking fails it."""
    old = re.compile(r"^(\s*[-\w]+\s*:\s*[^:;]*(;|$))*$")
    strings = list(adversarial(old))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, BUDGET_SECONDS)
    try:
        with pytest.raises(_OverBudget):
            _run_all(old, strings)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
