"""pgnet/errors.py: the exceptions (also builtin types) and the warnings
family, shown to a beginner as one plain line and catchable like any
Python warning."""

import warnings

import pytest

import pgnet
from pgnet import errors
from support import Program, unique


def test_every_error_is_a_pgnet_error_and_a_builtin_type():
    assert issubclass(pgnet.AddressError, ValueError)
    assert issubclass(pgnet.ServiceNameError, ValueError)
    assert issubclass(pgnet.MessageError, TypeError)
    for error in (pgnet.AddressError, pgnet.ServiceNameError, pgnet.MessageError,
                  pgnet.SocketRoleError):
        assert issubclass(error, pgnet.PgnetError)
    with pytest.raises(ValueError):
        pgnet.advertise("")  # a beginner's `except ValueError` catches it too


def test_every_warning_is_a_pgnet_warning_and_exported():
    classes = [getattr(pgnet, name) for name in pgnet.__all__ if name.endswith("Warning")]
    assert len(classes) >= 7
    for cls in classes:
        assert issubclass(cls, pgnet.PgnetWarning) and issubclass(cls, UserWarning)
        assert cls.__doc__, cls


def test_warn_gives_a_catchable_warning_of_its_class():
    with pytest.warns(pgnet.NoReplyWarning, match="No reply from quiz"):
        errors.warn(pgnet.NoReplyWarning, "No reply from %s in time.", "quiz")


def test_the_same_warning_twice_is_shown_twice():
    # Python shows a warning once per place by default; a soft failure that
    # happens again must be seen again, as log lines were.
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.filterwarnings("always", category=pgnet.PgnetWarning)
        for _ in range(3):
            errors.warn(pgnet.DroppedMessageWarning, "Dropped the same thing.")
    assert len(caught) == 3


def test_a_warning_as_a_beginner_sees_it_one_line_no_boilerplate():
    code = """
import pgnet
print("RESULT", pgnet.discover(%r, wait_for_s=0.2))
""" % unique("nobody")
    with Program(code) as program:
        program.expect(r"^RESULT None$")
        assert program.wait() == 0
    lines = [line for line in program.stderr_text().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("No program called"), lines
    assert "Warning" not in lines[0] and ".py:" not in lines[0], lines


def test_python_W_error_turns_a_pgnet_warning_into_an_exception():
    code = """
import pgnet
try:
    pgnet.discover(%r, wait_for_s=0.2)
except pgnet.NotFoundWarning as warning:
    print("RAISED", type(warning).__name__)
""" % unique("nobody")
    with Program(["-W", "error::pgnet.NotFoundWarning", "-c", code]) as program:
        program.expect(r"^RAISED NotFoundWarning$")
        assert program.wait() == 0, program.stderr_text()


def test_other_warnings_are_shown_as_python_shows_them():
    code = "import warnings, pgnet\nwarnings.warn('not ours')\n"
    with Program(["-c", code]) as program:
        assert program.wait() == 0
    assert "UserWarning: not ours" in program.stderr_text()
