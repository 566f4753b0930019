"""A chat room for everyone on the network: run it once per person.

    python3 chat.py Ada
    python3 chat.py Bob       # in another window, or on another computer

(``pgzrun chat.py`` works too: you are then called by your login name.)

How it works: each person publishes what they type as news, on their own
name with "chat:" in front ("chat:Ada"). Everyone watches the network for
names starting with "chat:" and subscribes to each one that appears. So
there is no server, and any number of people can join and leave.

Type and press Enter to send. The mouse wheel scrolls back through the
history. Messages keep arriving while you type.
"""

import getpass
import sys
import textwrap
import time

import pgzrun
import pygame
import pgnet

PREFIX = "chat:"
ME = getpass.getuser()
if len(sys.argv) > 1 and not sys.argv[1].endswith(".py"):  # the name after the program's
    ME = sys.argv[1]

WIDTH = 700
HEIGHT = 500
LINE_HEIGHT = 24
SHOWN_LINES = (HEIGHT - 110) // LINE_HEIGHT  # how many lines of history fit
WRAP_AT = 66  # characters per line on screen
LONGEST = 300  # characters in one message
# fonts/wqy_microhei.ttf: a font with accents, Greek, Cyrillic, Chinese,
# Japanese and Korean (pygame's own shows most of those as boxes).
FONT = "wqy_microhei"

# Someone may already have our name: then add a number ("Ada 2").
taken = {name for name, address in pgnet.discover_all()}
name, number = ME, 1
while PREFIX + name in taken:
    number += 1
    name = "%s %d" % (ME, number)
ME = name
TITLE = "Chat: " + ME

history = []  # everything said: (who, text); who is None for notes
people = set()  # who else is here
typing = ""  # what we are typing
scroll = 0  # how many lines back from the newest we are looking


def show(who, text):
    """Add a line to the history (and print it, for the record)."""
    history.append((who, text))
    print("* %s" % text if who is None else "[%s] %s" % (who, text))


# Publishing starts our news (and advertises "chat:<name>"); watching every
# service tells us (on_service_found) who is here already and who comes.
pgnet.publish_news(PREFIX + ME, "chat", None)
pgnet.watch()
pygame.key.set_repeat(400, 35)  # hold Backspace to delete
show(None, "You are %s. Say hello!" % ME)


def on_service_found(name):
    if name.startswith(PREFIX) and name != PREFIX + ME:
        pgnet.subscribe(name, "chat")
        who = name[len(PREFIX):]
        if who not in people:
            people.add(who)
            show(None, "%s joined" % who)


def on_service_lost(name):
    who = name[len(PREFIX):]
    if name.startswith(PREFIX) and who in people:
        people.discard(who)
        show(None, "%s left" % who)


def on_network_news(news, sender):
    # sender is the name we subscribed to: "chat:Bob".
    if isinstance(news, str) and sender.startswith(PREFIX):
        show(sender[len(PREFIX):], news[:LONGEST])


def on_key_down(unicode):
    # unicode is the character a key typed ("a", "é", "?"), or "\r" for
    # Enter, "\b" for Backspace, "\x1b" for Escape ("" for keys like Shift).
    global typing, scroll
    if unicode == "\r":
        if typing.strip():
            pgnet.publish_news(PREFIX + ME, "chat", typing)
            show(ME, typing)
        typing = ""
        scroll = 0
    elif unicode == "\b":
        typing = typing[:-1]
    elif unicode == "\x1b":
        typing = ""
    elif unicode and unicode.isprintable() and len(typing) < LONGEST:
        typing += unicode


def on_mouse_down(button):
    global scroll
    if button == mouse.WHEEL_UP:
        scroll += 3
    elif button == mouse.WHEEL_DOWN:
        scroll = max(0, scroll - 3)


def screen_lines():
    """The history as lines that fit on the screen: (colour, text)."""
    lines = []
    for who, text in history:
        if who is None:
            colour, text = (150, 150, 150), text
        else:
            colour = (120, 200, 255) if who == ME else (240, 240, 240)
            text = "%s: %s" % (who, text)
        for part in textwrap.wrap(text, WRAP_AT) or [""]:
            lines.append((colour, part))
    return lines


def draw():
    global scroll
    screen.fill((30, 32, 40))
    here = ", ".join(sorted(people)) or "nobody yet"
    screen.draw.text("You are %s. Here: %s" % (ME, here), (15, 10), color=(255, 210, 120), fontsize=24, fontname=FONT)
    lines = screen_lines()
    scroll = min(scroll, max(0, len(lines) - SHOWN_LINES))
    end = len(lines) - scroll
    y = 45
    for colour, text in lines[max(0, end - SHOWN_LINES):end]:
        screen.draw.text(text, (15, y), color=colour, fontsize=22, fontname=FONT)
        y += LINE_HEIGHT
    if scroll:
        screen.draw.text("(scrolled back: wheel down for newer)", topright=(WIDTH - 15, 45),
                         color=(150, 150, 150), fontsize=18, fontname=FONT)
    # The typing box, with a blinking cursor, showing the end of long text.
    box = Rect((10, HEIGHT - 50), (WIDTH - 20, 40))
    screen.draw.filled_rect(box, (55, 58, 70))
    cursor = "|" if int(time.monotonic() * 2) % 2 else ""
    screen.draw.text("> " + typing[-(WRAP_AT + 5):] + cursor, (20, HEIGHT - 42), color=(255, 255, 255), fontsize=24, fontname=FONT)


def update():
    pass  # draw() every frame, so the cursor blinks


pgzrun.go()
