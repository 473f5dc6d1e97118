"""A small Code128 reader for tests: finds the barcode in a rendered page image and decodes it like a scanner
(run lengths along one row, widths normalised per symbol), checking the start code, checksum and stop code.

Only the symbol table (ISO/IEC 15417's bar/space patterns) is taken from python-barcode; the reading, the
code sets and the checksum are computed here, so a wrong barcode in the document fails the test."""

from barcode.charsets.code128 import CODES, STOP

START_A, START_B, START_C = 103, 104, 105


def _runs(bits: str) -> list[str]:
    runs, current = [], bits[0]
    for bit in bits[1:]:
        if bit == current[-1]:
            current += bit
        else:
            runs.append(current)
            current = bit
    runs.append(current)
    return runs


def _widths(pattern: str) -> tuple[int, ...]:
    return tuple(len(run) for run in _runs(pattern))


TABLE = {_widths(pattern): value for value, pattern in enumerate(CODES)}
STOP_WIDTHS = _widths(STOP + "11")


def dark_segments_of_row(row: list[int], quiet: int, threshold: int = 128) -> list[list[int]]:
    """The row cut at white gaps of at least `quiet` pixels (a barcode's quiet zones): each segment's run
    lengths in pixels, starting and ending with a dark run (bar, space, bar, ...)."""
    bits = "".join("1" if value < threshold else "0" for value in row).strip("0")
    if not bits:
        return []
    segments, current = [], []
    for run in _runs(bits):
        if run[0] == "0" and len(run) >= quiet:
            segments.append(current)
            current = []
        else:
            current.append(len(run))
    segments.append(current)
    return [segment for segment in segments if segment]


def decode_runs(runs: list[int]) -> str:
    """The text a Code128 symbol of these run lengths encodes; ValueError when it is not a valid one."""
    if len(runs) < 6 * 3 + 7 or (len(runs) - 7) % 6:
        raise ValueError(f"{len(runs)} runs is not a Code128 symbol")
    values = []
    for index in range(0, len(runs) - 7, 6):
        chunk = runs[index : index + 6]
        unit = sum(chunk) / 11
        normalised = tuple(max(1, round(width / unit)) for width in chunk)
        if normalised not in TABLE:
            raise ValueError(f"unreadable symbol {normalised}")
        values.append(TABLE[normalised])
    tail = runs[-7:]
    unit = sum(tail) / 13
    if tuple(max(1, round(width / unit)) for width in tail) != STOP_WIDTHS:
        raise ValueError("no stop code")
    start, *data, check = values
    if check != (start + sum(position * value for position, value in enumerate(data, 1))) % 103:
        raise ValueError("checksum mismatch")
    return _text(start, data)


def _text(start: int, data: list[int]) -> str:
    code_set = {START_A: "A", START_B: "B", START_C: "C"}[start]
    switches = {"A": {99: "C", 100: "B"}, "B": {99: "C", 101: "A"}, "C": {100: "B", 101: "A"}}
    text = ""
    for value in data:
        if value in switches[code_set]:
            code_set = switches[code_set][value]
        elif code_set == "C":
            text += f"{value:02d}"
        elif code_set == "B" or value < 64:
            text += chr(value + 32)
        else:
            text += chr(value - 64)
    return text
