"""Four people play Liap Tui to the end in four browser tabs, through its page alone.

Each tab acts as a person would: it reads its hand and the table off the page, decides (with
the server bots' own strategy, which takes only what a player sees), and presses keys: digits
to declare or to pick pieces, Enter to play. One player reloads the page mid-game and takes the
seat back. Bots and pauses are instant (``PARTY_ENGINE_LIAPTUI_*``) so the game is short; the
humans' action timeout stays long, so every human move is the page's.
"""

from __future__ import annotations

from engine.apps.liaptui.app import app as liaptui
from engine.apps.liaptui.bots import declaration_for, play_for
from engine.apps.liaptui.pieces import PIECES_BY_ID

from browsing import NARROW, WIDE, Browser, Tab, in_browser, served, skip_without_browser

pytestmark = skip_without_browser()

PACING = {
    "PARTY_ENGINE_LIAPTUI_BOT_DELAY": "0",
    "PARTY_ENGINE_LIAPTUI_TURN_PAUSE": "0",
    "PARTY_ENGINE_LIAPTUI_ACTION_TIMEOUT": "120",
}
NAMES = ("Ana", "Bo", "Cy", "Di")
#: Moves before one player reloads their tab.
RELOAD_AFTER = 12


# What a player looks at before a move, read off the page in one go.
_LOOK = """() => {
  const ids = (selector) => [...document.querySelectorAll(selector)].map((n) => n.dataset.id);
  const me = document.querySelector("#players tr.me");
  return {
    waiting: document.body.dataset.waiting || "",
    phaseSeq: document.body.dataset.phaseSeq,
    handSize: me ? Number(me.dataset.hand) : -1,
    hand: ids("#hand .piece"),
    error: document.querySelector(".status.error")?.textContent || "",
    needed: me ? Number(me.dataset.declared || 0) - Number(me.dataset.piles || 0) : 0,
    legal: [...document.querySelectorAll("#actions .declare:enabled")]
      .map((b) => Number(b.textContent)),
    table: [...document.querySelectorAll('#table .play[data-current="true"]')]
      .map((play) => [...play.querySelectorAll(".piece")].map((n) => n.dataset.id)),
  };
}"""


_TABLE = """() => ({phase: document.body.dataset.phase, mover: document.body.dataset.mover,
                    phaseSeq: document.body.dataset.phaseSeq})"""
# The same, once the phase shown is no longer ``seq``.
_NEXT = f"seq => document.body.dataset.phaseSeq !== seq && ({_TABLE})()"


def _move(tab: Tab, acted_at: dict[str, str]) -> bool:
    """Make this tab's move if the game waits for it; whether it did. ``acted_at`` holds the
    phase each tab last moved in: until the room answers, the page still shows that phase,
    and a person would not move twice."""
    page = tab.page
    look = page.evaluate(_LOOK)
    assert not look["error"], f"{tab.name}: {look['error']}"
    if not look["waiting"] or acted_at.get(tab.name) == look["phaseSeq"]:
        return False
    if len(look["hand"]) != look["handSize"]:
        return False  # the hand the room dealt last is still on its way: look again
    hand = tuple(PIECES_BY_ID[i] for i in look["hand"])
    if look["waiting"] == "declare":
        page.keyboard.press(str(declaration_for(hand, look["legal"])))
    elif look["waiting"] == "play":
        table = [[PIECES_BY_ID[i] for i in play] for play in look["table"]]
        chosen = play_for(hand, look["needed"], table)
        # The pieces' keys, then Enter ("\n") to play them.
        page.keyboard.type("".join(str(look["hand"].index(i) + 1) for i in chosen) + "\n")
    else:
        # A redeal multiplies the round's scores: the game reaches its end sooner.
        page.keyboard.press("y")
    acted_at[tab.name] = look["phaseSeq"]
    return True


def _play_a_game(browser: Browser) -> None:
    ana = browser.open("/liaptui/play/", "Ana")
    ana.page.fill("#player-name", "Ana")
    ana.page.fill("#create-form [name=room_name]", "Friday")
    ana.shot("liaptui-1-lobby")
    ana.page.get_by_role("button", name="Create and sit down").click()
    ana.page.get_by_text("Share the room id").wait_for()

    others = []
    for name in NAMES[1:]:
        tab = browser.open("/liaptui/play/", name, viewport=NARROW if name == "Di" else WIDE)
        tab.page.fill("#player-name", name)
        if name == "Cy":  # a mistyped room id is refused, in words, back in the lobby
            tab.page.get_by_label("a room id someone gave you").fill("NOPE1234")
            tab.page.get_by_role("button", name="Join by id").click()
            tab.page.locator(".status.error", has_text="Room not found").wait_for()
            tab.page.locator("#lobby").wait_for()
            tab.shot("liaptui-2-room-not-found")
        tab.page.locator("#rooms li", has_text="Friday").get_by_role("button", name="Join").click()
        tab.page.get_by_text("Share the room id").wait_for()
        others.append(tab)
    tabs = [ana, *others]
    ana.page.locator("#players tbody tr[data-player]").nth(3).wait_for()
    ana.shot("liaptui-2-room-of-four")
    ana.page.get_by_role("button", name="Start the game").click()

    moves = 0
    acted_at: dict[str, str] = {}
    by_name = {tab.name: tab for tab in tabs}
    reloaded = False
    look = ana.page.evaluate(_TABLE)
    while look["phase"] != "GAME_OVER":
        # Whose move it is shows on every page; weak hands decide on a redeal together.
        candidates = [by_name[look["mover"]]] if look["mover"] else tabs
        moved = sum(_move(tab, acted_at) for tab in candidates)
        moves += moved
        if moved and moves in (1, 6):
            candidates[0].shot(f"liaptui-3-move-{moves}")
        if moves >= RELOAD_AFTER and not reloaded:
            tabs[1].page.reload()
            tabs[1].page.get_by_text("Back at your seat").wait_for()
            tabs[1].shot("liaptui-4-back-after-reload")
            reloaded = True
        if moved:  # look again once the game has moved on
            look = ana.page.wait_for_function(_NEXT, arg=look["phaseSeq"]).json_value()
        else:  # a hand on its way, or a pause between rounds
            ana.page.wait_for_timeout(10)
            look = ana.page.evaluate(_TABLE)
    for tab in tabs:
        tab.page.get_by_text("Game over:").first.wait_for()
    ana.shot("liaptui-5-game-over")
    others[-1].shot("liaptui-6-game-over-narrow")
    assert reloaded and moves > RELOAD_AFTER


async def test_four_pages_play_a_game_to_the_end():
    async with served([liaptui], PACING) as base_url:
        # A game lasts until someone reaches 50 points: 7 to 15 rounds (200 to 500 moves) in our
        # runs, 30 to 90 s on a loaded 2-core machine; the bound leaves room for a long deal.
        await in_browser(base_url, _play_a_game, limit=180)
