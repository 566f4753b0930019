"""Test program (plain pygame): OSC messages as pygame events, with
pgnet.pump() once a frame. Prints "LISTENING ip:port", then "EVENT address
args sender" for each pgnet.osc.MESSAGE event; "/quit" quits."""

import pygame

import pgnet

pygame.init()
screen = pygame.display.set_mode((100, 100))
clock = pygame.time.Clock()
print("LISTENING %s" % pgnet.osc.listen("127.0.0.1"), flush=True)
running = True
while running:
    pgnet.pump()
    for event in pygame.event.get():
        if event.type == pgnet.osc.MESSAGE:
            print("EVENT %s %r %s" % (event.address, event.args, event.sender), flush=True)
            running = event.address != "/quit"
    clock.tick(60)
