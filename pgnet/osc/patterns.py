"""OSC address patterns: which addresses ``"/pad/*"`` matches.

The rules are OSC 1.0's own, applied to each part between slashes (no
wildcard ever matches a ``/``):

| in a pattern | matches |
| --- | --- |
| `?` | any one character |
| `*` | any run of characters, even none |
| `[abc]` | one of `a`, `b`, `c`; `[a-z]` one in that range |
| `[!a-z]` | one character *not* in the brackets |
| `{foo,bar}` | `foo` or `bar` |
| anything else | itself |

    Pattern("/pad/*").matches("/pad/1")          # True
    Pattern("/{left,right}/x").matches("/up/x")  # False

Matching takes time in proportion to the address's length whatever the
pattern, so a long address from a stranger cannot stall a frame (a regular
expression could take ages on some patterns).

Threads: a Pattern never changes once made: any thread.
"""

from ..errors import MessageError

_SPECIAL = set("?*[]{}")


class Pattern:
    """An OSC address pattern, ready to match addresses.

    Raises ``MessageError`` if ``text`` is not a pattern (it must start
    with ``/``; brackets and braces must be closed).

    Example:

        pads = Pattern("/pad/[1-4]")
        pads.matches("/pad/2")    # True
    """

    def __init__(self, text):
        if not isinstance(text, str) or not text.startswith("/"):
            raise MessageError("An OSC address pattern starts with '/', as in "
                               "'/pad/*', not %r." % (text,))
        self.text = text
        self.literal = not (_SPECIAL & set(text))
        self.parts = None if self.literal else [_tokens(part, text) for part in text.split("/")]

    def __repr__(self):
        return "Pattern(%r)" % self.text

    def matches(self, address):
        """True if ``address`` (an address that arrived) fits the pattern.

        Example: ``Pattern("/pad/*").matches("/pad/7")``"""
        if self.literal:
            return address == self.text
        parts = address.split("/")
        return len(parts) == len(self.parts) and all(
            _part_matches(tokens, part) for tokens, part in zip(self.parts, parts))


def _tokens(part, whole):
    """A part of a pattern as a list of tokens: ``("text", s)``, ``("?",)``,
    ``("*",)``, ``("set", chars, negated)`` or ``("alt", [s, ...])``."""
    tokens, i = [], 0
    while i < len(part):
        char = part[i]
        if char in "?*":
            tokens.append((char,))
            i += 1
        elif char in "[{":
            end = part.find("]" if char == "[" else "}", i + 1)
            if end < 0:
                raise MessageError("The pattern %r has a %r that is never closed." % (whole, char))
            body = part[i + 1:end]
            tokens.append(_bracket(body) if char == "[" else ("alt", body.split(",")))
            i = end + 1
        elif char in "]}":
            raise MessageError("The pattern %r has a %r that was never opened." % (whole, char))
        else:
            end = i
            while end < len(part) and part[end] not in _SPECIAL:
                end += 1
            tokens.append(("text", part[i:end]))
            i = end
    return tokens


def _bracket(body):
    negated = body.startswith("!")
    if negated:
        body = body[1:]
    chars, ranges, i = set(), [], 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            ranges.append((body[i], body[i + 2]))
            i += 3
        else:  # a "-" first or last is itself
            chars.add(body[i])
            i += 1
    return ("set", (frozenset(chars), tuple(ranges)), negated)


def _in_set(char, members):
    chars, ranges = members
    return char in chars or any(low <= char <= high for low, high in ranges)


def _starts(part, text):
    """A bit mask of the places in ``part`` where ``text`` starts."""
    mask, at = 0, part.find(text)
    while at >= 0:
        mask |= 1 << at
        at = part.find(text, at + 1)
    return mask


def _part_matches(tokens, part):
    # Bit k of ``reach`` is set when the tokens so far can match part[:k]:
    # every token moves all the reachable places at once (a few big-integer
    # operations), so no pattern can make matching backtrack.
    size = len(part)
    every = (1 << (size + 1)) - 1
    reach = 1
    for token in tokens:
        kind = token[0]
        if kind == "*":
            lowest = (reach & -reach).bit_length() - 1
            reach = every & ~((1 << lowest) - 1)
        elif kind == "?":
            reach = (reach << 1) & every & ~1
        elif kind == "text":
            reach = (reach & _starts(part, token[1])) << len(token[1])
        elif kind == "alt":
            reach = _alternatives(reach, part, token[1])
        else:
            _, members, negated = token
            hits = sum(1 << k for k, char in enumerate(part) if _in_set(char, members) != negated)
            reach = (reach & hits) << 1
        reach &= every
        if not reach:
            return False
    return bool(reach >> size & 1)


def _alternatives(reach, part, choices):
    after = 0
    for choice in choices:
        if choice:
            after |= (reach & _starts(part, choice)) << len(choice)
        else:
            after |= reach
    return after
