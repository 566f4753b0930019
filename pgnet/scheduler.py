"""TEMPORARY shim until the scheduler module lands: delegates to messaging."""
from . import messaging


def use_events(enabled=True):
    messaging.use_events(enabled)


def events_mode():
    return messaging._events_mode


def pump(limit=1000, tick=True):
    return messaging.pump(limit, tick)


def every_frame(ticker):
    return messaging.every_pump(ticker)
