"""A small terminal screen: enough of VT100/xterm to follow what Textual writes.

Textual positions every line with CUP (``ESC [ row ; col H``), styles with SGR and never relies
on wrapping or scrolling, so a grid of (character, style) cells fed the raw bytes from the pty
shows what a real terminal would show. Fed incrementally: a chunk may end inside a UTF-8
character or an escape sequence.
"""

import codecs
import re
from collections.abc import Iterable

from rich.cells import get_character_cell_size

Cell = tuple[str, str]  # (character, SGR state); the right half of a wide character is ("", style)

_TOKEN = re.compile(
    r"""
    \x1b\[(?P<csi>[0-?]*)[ -/]*(?P<final>[@-~])   # CSI
    |\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)              # OSC, ended by BEL or ST
    |\x1b[PX^_][^\x1b]*\x1b\\                       # DCS, SOS, PM, APC
    |\x1b[ -/]*[0-OQ-WYZ\\`-~]                      # any other escape
    |(?P<ctl>[\x00-\x1a\x1c-\x1f\x7f])
    |(?P<text>[^\x00-\x1f\x1b\x7f]+)
    """,
    re.VERBOSE,
)
_MAX_PENDING = 8192


class Screen:
    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.grid: list[list[Cell]] = self._blank()
        self.row = self.col = 0
        self.style = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def _blank(self) -> list[list[Cell]]:
        return [[(" ", "")] * self.cols for _ in range(self.rows)]

    def copy(self) -> "Screen":
        other = Screen.__new__(Screen)
        other.cols, other.rows = self.cols, self.rows
        other.grid = [list(line) for line in self.grid]
        other.row, other.col, other.style = self.row, self.col, self.style
        other._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        other._decoder.setstate(self._decoder.getstate())
        other._pending = self._pending
        return other

    def resize(self, cols: int, rows: int, *, clear: bool = True) -> None:
        """A new size; ``clear`` forgets the old content, so only what is drawn again counts."""
        old = self.grid
        self.cols, self.rows = cols, rows
        self.grid = self._blank()
        if not clear:
            for y, line in enumerate(old[:rows]):
                self.grid[y][: min(cols, len(line))] = line[:cols]
        self.row, self.col = min(self.row, rows - 1), min(self.col, cols - 1)

    # -- reading ----------------------------------------------------------------------------

    def lines(self) -> list[str]:
        return ["".join(ch for ch, _ in line) for line in self.grid]

    def text(self) -> str:
        return "\n".join(self.lines())

    def same_text(self, other: "Screen") -> bool:
        return self.lines() == other.lines()

    def same_cells(self, other: "Screen") -> bool:
        return self.grid == other.grid

    # -- writing ----------------------------------------------------------------------------

    def feed_all(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self.feed(chunk)

    def feed(self, data: bytes) -> None:
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        pos, end = 0, len(text)
        while pos < end:
            m = _TOKEN.match(text, pos)
            if m is None:
                if text[pos] == "\x1b":  # an escape sequence cut by the chunk boundary
                    rest = text[pos:]
                    self._pending = rest if len(rest) < _MAX_PENDING else ""
                    return
                pos += 1
                continue
            pos = m.end()
            if m.group("text") is not None:
                self._put(m.group("text"))
            elif m.group("final") is not None:
                self._csi(m.group("csi"), m.group("final"))
            elif m.group("ctl") is not None:
                self._control(m.group("ctl"))

    def _put(self, text: str) -> None:
        line = self.grid[self.row]
        for ch in text:
            width = get_character_cell_size(ch)
            if width == 0:
                continue
            if self.col + width > self.cols:
                self.col = self.cols  # no autowrap: Textual turns it off
                continue
            line[self.col] = (ch, self.style)
            if width == 2:
                line[self.col + 1] = ("", self.style)
            self.col += width

    def _control(self, ch: str) -> None:
        if ch == "\r":
            self.col = 0
        elif ch == "\n":
            self.row = min(self.row + 1, self.rows - 1)
        elif ch == "\x08":
            self.col = max(0, self.col - 1)
        elif ch == "\t":
            self.col = min(self.cols - 1, (self.col // 8 + 1) * 8)

    def _csi(self, params: str, final: str) -> None:
        if params.startswith(("?", ">", "<", "=")):
            return  # private modes and queries do not touch the grid
        nums = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []

        def arg(i: int, default: int = 1) -> int:
            return nums[i] if len(nums) > i and nums[i] else default

        if final in "Hf":
            self.row = min(max(arg(0) - 1, 0), self.rows - 1)
            self.col = min(max(arg(1) - 1, 0), self.cols - 1)
        elif final == "m":
            if params in ("", "0"):
                self.style = ""
            elif params.startswith("0;"):
                self.style = params[2:]
            else:
                self.style = f"{self.style};{params}" if self.style else params
        elif final == "A":
            self.row = max(0, self.row - arg(0))
        elif final == "B":
            self.row = min(self.rows - 1, self.row + arg(0))
        elif final == "C":
            self.col = min(self.cols - 1, self.col + arg(0))
        elif final == "D":
            self.col = max(0, self.col - arg(0))
        elif final == "G":
            self.col = min(max(arg(0) - 1, 0), self.cols - 1)
        elif final == "d":
            self.row = min(max(arg(0) - 1, 0), self.rows - 1)
        elif final == "K":
            mode = nums[0] if nums else 0
            line = self.grid[self.row]
            lo, hi = {0: (self.col, self.cols), 1: (0, self.col + 1)}.get(mode, (0, self.cols))
            line[lo:hi] = [(" ", self.style)] * (hi - lo)
        elif final == "J":
            mode = nums[0] if nums else 0
            if mode in (2, 3):
                self.grid = self._blank()
            elif mode == 0:
                self._csi("0", "K")
                for y in range(self.row + 1, self.rows):
                    self.grid[y] = [(" ", self.style)] * self.cols
