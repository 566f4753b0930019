"""The package as a whole: `import pgnet` gives exactly the public API, old
names keep working with a warning, and modules talk to each other only
through plain (internal API) names, never through another module's
underscore names."""

import ast
import importlib
import os
import warnings

import pytest

import pgnet
from support import ROOT, run

PACKAGE = os.path.join(ROOT, "pgnet")


def test_all_lists_exactly_what_import_pgnet_gives():
    assert len(pgnet.__all__) == len(set(pgnet.__all__))
    for name in pgnet.__all__:
        assert not name.startswith("_")
        assert getattr(pgnet, name) is not None, name
    for core in ("advertise", "discover", "send_message", "wait_for_news", "settings",
                 "PgnetError", "NoReplyWarning"):
        assert core in pgnet.__all__


def test_every_public_function_and_class_has_a_docstring_with_an_example():
    for name in pgnet.__all__:
        value = getattr(pgnet, name)
        if callable(value) and not isinstance(value, type):
            assert value.__doc__ and "Example" in value.__doc__, name


def test_an_old_name_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="pgnet.settings.events_per_frame"):
        assert pgnet.EVENTS_PER_FRAME == pgnet.settings.events_per_frame
    assert "EVENTS_PER_FRAME" not in pgnet.__all__


# Loaded by the first call that needs them, never by "import pgnet" alone.
ON_FIRST_USE = ("zmq", "msgpack", "ifaddr", "logging", "pgnet.discovery", "pgnet.messaging")


def test_import_pgnet_alone_loads_none_of_what_a_call_loads_later():
    with run("""
        import sys
        import pgnet
        print(*[m for m in %r if m in sys.modules])
        pgnet.advertise
        print("after advertise:", *[m for m in ("zmq", "pgnet.messaging") if m in sys.modules])
        pgnet.send_message
        print("after send_message:", "zmq" in sys.modules)
    """ % (ON_FIRST_USE,)) as program:
        assert program.wait() == 0, program.stderr_text()
    assert program.lines == ["", "after advertise:", "after send_message: True"]


def test_each_name_loaded_on_first_use_is_there_for_readers_of_the_source():
    """The docs are made from the source, never run: they find where each
    name comes from in the imports that only such tools see."""
    with open(os.path.join(PACKAGE, "__init__.py"), encoding="utf-8") as source:
        tree = ast.parse(source.read())
    for_readers = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imported in node.body:
                for alias in imported.names:
                    for_readers[alias.name] = imported.module
    assert set(for_readers) == set(pgnet._CORE_NAMES)
    for name, module in for_readers.items():
        assert getattr(pgnet, name) is getattr(importlib.import_module("pgnet." + module), name)
        assert name in pgnet.__all__ and name in dir(pgnet)


def test_a_module_of_pgnet_is_there_on_first_use():
    assert pgnet.osc.listen
    assert pgnet.discovery.get_beacon


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'send_mesage'"):
        pgnet.send_mesage  # noqa: B018


def _modules():
    for folder, _, files in os.walk(PACKAGE):
        for file in files:
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                with open(path, encoding="utf-8") as source:
                    yield os.path.relpath(path, ROOT), ast.parse(source.read())


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_module_uses_another_modules_underscore_names():
    reach_ins = []
    for path, tree in _modules():
        modules = set()  # names bound to pgnet modules in this file
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("pgnet")):
                for alias in node.names:
                    if _private(alias.name):
                        reach_ins.append("%s: imports %s" % (path, alias.name))
                    modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                modules.update((a.asname or a.name).split(".")[0] for a in node.names
                               if a.name.startswith("pgnet"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                base = node.value
                while isinstance(base, ast.Attribute):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in modules:
                    reach_ins.append("%s:%d: %s..%s" % (path, node.lineno, base.id, node.attr))
    assert reach_ins == []


def test_no_module_is_too_long_to_read_in_one_sitting():
    too_long = {}
    for folder, _, files in os.walk(PACKAGE):
        for file in files:
            if file.endswith(".py"):
                with open(os.path.join(folder, file), encoding="utf-8") as source:
                    lines = len(source.readlines())
                if lines > 600:  # (the aim is under 500)
                    too_long[file] = lines
    assert too_long == {}


def test_warnings_family_does_not_change_other_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("not pgnet's", RuntimeWarning)
    assert caught[0].category is RuntimeWarning
