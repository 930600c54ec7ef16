"""Headless Chromium as the HTML-to-image alternative to Pillow, for benchmarks/bench_cards.py.

- `card_html(spec, config)`: a card as HTML with the bundled fonts (Inter SemiBold/Bold, Source Serif 4,
  Noto Color Emoji, Noto Sans CJK), the theme's colours and the font sizes Pillow's layout chose (the
  browser is spared the fitting: a fair comparison, if anything in Chromium's favour).
- `cold_screenshot(...)`: one `chromium --headless --screenshot` process per card.
- `WarmPage`: one browser started once with one page kept open, as HTML-to-image tools do; per card
  `.render(html, width, height)` sets the page's content, waits for `document.fonts.ready` and returns
  `Page.captureScreenshot` as PNG bytes. Driven over the DevTools protocol on `--remote-debugging-pipe`
  (fd 3 in, fd 4 out, NUL-delimited JSON): stdlib only.
- CPU of the browser: `tree_cpu(pid)` sums utime+stime+cutime+cstime of the browser and all its live
  descendants from /proc (clock ticks, 10 ms); this process is made a child subreaper, so Chromium
  processes orphaned on exit are reaped here and `getrusage(RUSAGE_CHILDREN)` covers a cold run whole.
"""

from __future__ import annotations

import base64
import ctypes
import fcntl
import html
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "assets" / "fonts"
TICK = os.sysconf("SC_CLK_TCK")

FLAGS = [
    "--headless",
    "--no-sandbox",  # root here; the sandbox needs user namespaces
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    "--no-first-run",
    "--no-default-browser-check",
    "--allow-file-access-from-files",  # the card's @font-face files from a file:// page
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if exe := shutil.which(name):
            return exe
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


# ---------------------------------------------------------------- the card as HTML


def _face(family: str, file: str, weight: int) -> str:
    return f"@font-face {{font-family: '{family}'; src: url('{(FONTS / file).as_uri()}'); font-weight: {weight};}}"


FONT_FACES = "\n".join(
    (
        _face("Inter", "Inter-SemiBold.ttf", 600),
        _face("Inter", "Inter-Bold.ttf", 700),
        _face("Source Serif 4", "SourceSerif4-Regular.ttf", 400),
        _face("Noto Color Emoji", "NotoColorEmoji.ttf", 400),
        _face("Noto Sans CJK SC", "NotoSansCJK-Regular-Subset.otf", 400),
        _face("Noto Sans CJK SC", "NotoSansCJK-Bold-Subset.otf", 700),
    )
)


def card_html(spec, config) -> str:
    """The card as one HTML document: the parts, sizes, colours and fonts of Pillow's card."""
    from crosspost.cards.layout import geometry, layout_card, quoted, smarten
    from crosspost.cards.theme import palette

    geo = geometry(spec.width, spec.height)
    pal = palette(config.theme)
    sizes = layout_card(spec, config).sizes  # outside any timing
    esc = html.escape
    parts = [spec.brand.upper()] if spec.brand else []
    if spec.number is not None:
        parts.append(f"ISSUE {spec.number}")
    eyebrow = "  ·  ".join(parts)
    headline = esc(smarten(spec.headline)) + (f"&nbsp;{spec.emoji}" if spec.emoji else "")
    left = esc(config.theme.handle or spec.brand)
    head, quote, foot = sizes.get("headline", geo.headline[0]), sizes.get("quote", geo.quote[0]), sizes["footer"]
    eb = sizes.get("eyebrow", geo.eyebrow)
    return f"""<!doctype html><html><head><meta charset=utf-8><style>
{FONT_FACES}
html, body {{margin: 0; width: {spec.width}px; height: {spec.height}px; overflow: hidden;}}
body {{background: {pal.background}; color: {pal.foreground};
  font: 600 {foot}px Inter, 'Noto Color Emoji', 'Noto Sans CJK SC';}}
.card {{box-sizing: border-box; height: 100%; padding: {geo.margin}px; display: flex; flex-direction: column;}}
.bar {{width: {geo.bar[0]}px; height: {geo.bar[1]}px; background: {pal.accent}; flex: none;}}
.eyebrow {{color: {pal.accent}; font-size: {eb}px; line-height: 1.2; margin-top: {round(eb * 1.3)}px;}}
h1 {{font: 700 {head}px/1.08 Inter, 'Noto Color Emoji', 'Noto Sans CJK SC'; margin: {round(eb * 0.9)}px 0 0;
  text-wrap: balance;}}
.free {{flex: 1; display: flex; flex-direction: column; padding: {geo.gap}px 0;}}
.free::before {{content: ''; flex: 1;}} .free::after {{content: ''; flex: 2;}}
blockquote {{margin: 0; border-left: 6px solid {pal.accent}; padding-left: {geo.quote_indent - 6}px;
  font: 400 {quote}px/1.36 'Source Serif 4', Inter, 'Noto Sans CJK SC'; text-wrap: balance; text-indent: -0.42em;}}
footer {{border-top: 2px solid {pal.rule}; padding-top: {round(geo.gap * 0.6)}px; display: flex;
  justify-content: space-between; white-space: nowrap;}}
footer .muted {{color: {pal.muted};}}
</style></head><body><div class=card><div class=bar></div>
<div class=eyebrow>{esc(eyebrow)}</div><h1>{headline}</h1>
<div class=free><blockquote>{esc(quoted(smarten(spec.quote)))}</blockquote></div>
<footer><span>{left}</span><span class=muted>{esc(spec.footer)}</span></footer></div></body></html>"""


# ---------------------------------------------------------------- CPU of a process tree


def become_subreaper() -> None:
    """Orphaned descendants (Chromium's zygotes and renderers when the browser exits) are re-parented to
    this process instead of init, so that reaping them adds their CPU to RUSAGE_CHILDREN."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_orphans(deadline: float = 5.0) -> None:
    """Wait for every remaining child of this process (orphans handed to us as subreaper)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _stat(pid: str) -> tuple[int, int] | None:
    """(parent pid, utime+stime+cutime+cstime in ticks) of a process, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), sum(int(v) for v in fields[11:15])


def tree_cpu(root: int) -> float:
    """CPU seconds of `root` and all its live descendants, including the children they reaped."""
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p))}
    kids: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        kids.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
            todo += kids.get(pid, [])
    return total / TICK


# ---------------------------------------------------------------- cold: a browser process per card


@dataclass
class Shot:
    png: bytes
    wall: float
    cpu: float  # of the whole Chromium process tree, from RUSAGE_CHILDREN


def cold_screenshot(exe: str, page: str, width: int, height: int, work: Path) -> Shot | None:
    """`chromium --headless --screenshot` of one HTML document: a browser started per card."""
    work.mkdir(parents=True, exist_ok=True)
    src, out = work / "card.html", work / "shot.png"
    src.write_text(page, encoding="utf-8")
    out.unlink(missing_ok=True)
    args = [exe, *FLAGS, f"--user-data-dir={work / 'profile'}", f"--screenshot={out}"]
    args += [f"--window-size={width},{height}", src.as_uri()]
    cpu, t = children_cpu(), time.perf_counter()
    subprocess.run(args, capture_output=True, timeout=120, check=False)
    wall = time.perf_counter() - t
    reap_orphans()
    cpu = children_cpu() - cpu
    return Shot(out.read_bytes(), wall, cpu) if out.exists() else None


# ---------------------------------------------------------------- warm: one page kept open


class WarmPage:
    """One headless Chromium and one page, kept open; `render(html, width, height)` -> PNG bytes.

    with WarmPage(exe) as page:
        png = page.render(card, 1080, 1350)
    """

    def __init__(self, exe: str | None = None, timeout: float = 60.0):
        self.exe = exe or find_chromium()
        if not self.exe:
            raise FileNotFoundError("chromium")
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self._size: tuple[int, int] | None = None

    # -- process and pipe

    def __enter__(self) -> "WarmPage":
        become_subreaper()
        self._tmp = tempfile.TemporaryDirectory(prefix="warm-chromium-")
        to_child, self._write = os.pipe()  # Chromium reads commands on fd 3
        self._read, from_child = os.pipe()  # and writes replies and events on fd 4
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_child, from_child)]  # not 3 or 4
        os.close(to_child), os.close(from_child)

        def fds() -> None:  # in the child, before exec: the pipe ends at fds 3 and 4
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        blank = Path(self._tmp.name) / "blank.html"
        blank.write_text("<!doctype html><title>card</title>", encoding="utf-8")
        args = [self.exe, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._tmp.name}/profile"]
        hold = [os.open(os.devnull, os.O_RDONLY) for _ in range(2)]  # if 3 or 4 is free: not Popen's error pipe
        self.proc = subprocess.Popen(
            [*args, "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # every other fd of ours is non-inheritable; 3 and 4 are set up in `fds`
            preexec_fn=fds,
            start_new_session=True,
        )
        for fd in (*high, *hold):
            os.close(fd)
        try:
            target = self._call("Target.createTarget", url=blank.as_uri())["targetId"]
            self._session = self._call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self._wait_loaded(blank.as_uri())
            self._frame = self.call("Page.getFrameTree")["frameTree"]["frame"]["id"]
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "proc", None) is None:
            return
        try:
            if self.proc.poll() is None:
                self._send({"id": self._id(), "method": "Browser.close"})
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only this browser's processes
            except ProcessLookupError:
                pass
            self.proc.wait()
        for fd in (self._write, self._read):
            try:
                os.close(fd)
            except OSError:
                pass
        reap_orphans()
        self._tmp.cleanup()
        self.proc = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cpu(self) -> float:
        """CPU seconds used so far by the browser and its descendants (/proc, clock ticks)."""
        return tree_cpu(self.proc.pid)

    # -- DevTools protocol

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _send(self, message: dict) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._write, data) :]

    def _receive(self) -> dict:
        while b"\0" not in self._buffer:
            if not select.select([self._read], [], [], self.timeout)[0]:
                raise TimeoutError(f"chromium said nothing for {self.timeout:.0f} s")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise ConnectionError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _call(self, method: str, session: str | None = None, **params) -> dict:
        call_id = self._id()
        message = {"id": call_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._send(message)
        end = time.monotonic() + self.timeout
        while time.monotonic() < end:
            reply = self._receive()
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            # anything else is an event: none is subscribed to that matters here
        raise TimeoutError(method)

    def call(self, method: str, **params) -> dict:
        """A command to the page's session."""
        return self._call(method, self._session, **params)

    def _wait_loaded(self, url: str) -> None:
        end = time.monotonic() + self.timeout
        while time.monotonic() < end:
            state = self.call("Runtime.evaluate", expression="location.href + ' ' + document.readyState")
            if state["result"].get("value") == f"{url} complete":
                return
            time.sleep(0.02)
        raise TimeoutError(f"loading {url}")

    # -- a card

    def render(self, page: str, width: int, height: int) -> bytes:
        """Set the page's HTML, wait for its fonts, screenshot it: PNG bytes (decoded from base64)."""
        if self._size != (width, height):
            self.call(
                "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
            )
            self._size = (width, height)
        self.call("Page.setDocumentContent", frameId=self._frame, html=page)
        self.call(
            "Runtime.evaluate",
            expression="document.body.offsetHeight, document.fonts.ready.then(() => document.fonts.size)",
            awaitPromise=True,
        )
        shot = self.call("Page.captureScreenshot", format="png")
        return base64.b64decode(shot["data"])

    def fonts(self) -> list[str]:
        """'family weight status' of each @font-face of the current document (to check the fonts load)."""
        js = "[...document.fonts].map(f => `${f.family} ${f.weight} ${f.status}`)"
        return self.call("Runtime.evaluate", expression=js, returnByValue=True)["result"]["value"]


# ---------------------------------------------------------------- the benchmark's rows


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def browser_rows(pillow_card, specs, config, rounds: int, work: Path, label: str = "", cold: bool = True) -> None:
    """Print the warm and cold Chromium rows against `pillow_card(i)` (layout + draw + PNG of specs[i]).

    Warm: pairs (Pillow card i, Chromium card i), the order alternating pair by pair, every card of
    every spec, `rounds` times; wall time of each; CPU of Pillow's process (time.process_time) and of
    the browser's process tree (/proc, 10 ms ticks, so averaged over all pairs rather than a median)
    plus this process's own CPU while it drives the page.
    """
    exe = find_chromium()
    if not exe:
        print("headless chromium: not installed, skipped")
        return
    cards = [(card_html(spec, config), spec.width, spec.height) for spec in specs]
    t = time.perf_counter()
    with WarmPage(exe) as page:
        started = time.perf_counter() - t
        for i, card in enumerate(cards):  # warm-up: fonts fetched and decoded, code paths hot
            pillow_card(i)
            page.render(*card)
        pw, pc, cw, cc, round_ratios = [], [], [], [], []
        whole = page.cpu()
        for r in range(rounds):
            first = len(pw)
            for i, card in enumerate(cards):
                for side in ("pillow", "chromium") if (r * len(cards) + i) % 2 == 0 else ("chromium", "pillow"):
                    if side == "pillow":
                        cpu, t = time.process_time(), time.perf_counter()
                        pillow_card(i)
                        pw.append(time.perf_counter() - t)
                        pc.append(time.process_time() - cpu)
                    else:
                        cpu = page.cpu()
                        own, t = time.process_time(), time.perf_counter()
                        page.render(*card)  # this process's share: the pipe, JSON and base64 decoding
                        cw.append(time.perf_counter() - t)
                        own = time.process_time() - own
                        cc.append(page.cpu() - cpu + own)
            round_ratios.append(_median(cw[first:]) / _median(pw[first:]))
        whole = (page.cpu() - whole) / len(cw)  # also what it does between cards, while Pillow draws
    pillow_wall, chrome_wall = _median(pw), _median(cw)
    pillow_cpu, chrome_cpu = sum(pc) / len(pc), sum(cc) / len(cc)
    print(
        f"warm headless chromium ({Path(exe).name}, one page kept open, started once in {started:.1f} s): "
        f"{len(cards)} cards x {rounds} rounds, paired with Pillow{' (' + label + ')' if label else ''}, alternating"
    )
    print(f"  Pillow card:          {_ms(pillow_wall)} wall (median), {_ms(pillow_cpu)} CPU (mean, this process)")
    print(
        f"  Chromium page card:   {_ms(chrome_wall)} wall (median), {_ms(chrome_cpu)} CPU (mean, browser + children"
        " + this client; set content, fonts.ready, PNG screenshot, base64 decoded)"
    )
    print(f"  Chromium, all its CPU over the timed loop: {_ms(whole)} per card (idle work between cards too)")
    spread = f"{min(round_ratios):.1f}x-{max(round_ratios):.1f}x"
    print(
        f"Pillow is {chrome_wall / pillow_wall:.1f}x faster than a warm Chromium page (goal >= 3x); "
        f"rounds {spread}; CPU {chrome_cpu / pillow_cpu:.1f}x"
    )

    if not cold:
        return
    cold_screenshot(exe, *cards[0], work / "cold")  # creates the profile, as the old 3-run median did
    shots = [s for card in cards if (s := cold_screenshot(exe, *card, work / "cold"))]  # a process per card
    if not shots:
        print("cold headless chromium: no screenshot, skipped")
        return
    cold_wall, cold_cpu = _median([s.wall for s in shots]), _median([s.cpu for s in shots])
    print(
        f"cold headless chromium (a `--screenshot` process per card, median of {len(shots)}): "
        f"{_ms(cold_wall)} wall, {_ms(cold_cpu)} CPU (RUSAGE_CHILDREN, all its processes reaped)"
    )
    print(
        f"Pillow is {cold_wall / pillow_wall:.1f}x faster than a cold Chromium (goal >= 10x); "
        f"CPU {cold_cpu / pillow_cpu:.1f}x"
    )
