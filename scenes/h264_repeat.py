"""Repeat a held H.264 picture without encoding it again.

A held picture is encoded by x264 a few times (an IDR frame, then P frames that refine it until a
P frame leaves the picture unchanged: every macroblock skipped). That last P frame, applied to
the picture it copies, gives the same picture again, so the rest of the hold is that packet
repeated: the only field that must change from one frame to the next is `frame_num` in the slice
header (a fixed-width field; with x264's B-frames off the picture order count follows from it,
POC type 2). Every repeat is a real 60 fps frame in the stream (constant frame rate), and
decodes to exactly the picture of the P frame it copies.

`SkipTemplate.parse` accepts only what this rewrite is proven for (reference P slices of one picture,
frame-only coding, POC type 2, no scaling lists); anything else returns None and the caller
encodes the hold with x264 as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

_START = b"\x00\x00\x00\x01"


class _Bits:
    """A big-endian bit reader over an RBSP (emulation prevention bytes removed)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def u(self, n: int) -> int:
        value = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            value = (value << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("bad exp-Golomb code")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


def unescape(nal: bytes) -> bytes:
    """NAL payload → RBSP: drop each 0x03 that follows two zero bytes."""
    out, zeros = bytearray(), 0
    for b in nal:
        if zeros >= 2 and b == 3:
            zeros = 0
            continue
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def escape(rbsp: bytes) -> bytes:
    """RBSP → NAL payload: insert 0x03 before a byte ≤ 3 that follows two zero bytes."""
    out, zeros = bytearray(), 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def nal_units(annexb: bytes) -> list[bytes]:
    """The NAL units (header byte included) of an Annex B byte stream."""
    units, i, n = [], 0, len(annexb)
    starts = []
    while True:
        j = annexb.find(b"\x00\x00\x01", i)
        if j < 0:
            break
        starts.append(j + 3)
        i = j + 3
    for k, s in enumerate(starts):
        end = starts[k + 1] - 3 if k + 1 < len(starts) else n
        unit = annexb[s:end]
        while unit.endswith(b"\x00") and k + 1 < len(starts):  # a 4-byte start code's leading zero
            unit = unit[:-1]
        units.append(unit)
    return units


@dataclass(frozen=True)
class StreamParams:
    """What the slice header rewrite needs from the SPS and PPS."""

    log2_max_frame_num: int
    max_num_ref_frames: int

    @classmethod
    def parse(cls, extradata: bytes) -> Optional["StreamParams"]:
        """From x264's Annex B extradata (SPS + PPS); None if the stream is not one we rewrite."""
        sps = next((u for u in nal_units(extradata) if u and u[0] & 0x1F == 7), None)
        pps = next((u for u in nal_units(extradata) if u and u[0] & 0x1F == 8), None)
        if sps is None or pps is None:
            return None
        r = _Bits(unescape(sps[1:]))
        profile = r.u(8)
        r.u(16)  # constraint flags, level
        r.ue()  # sps id
        if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
            if r.ue() == 3:  # chroma_format_idc
                r.u(1)
            r.ue(), r.ue(), r.u(1)  # bit depths, qpprime_y_zero_transform_bypass
            if r.u(1):  # seq_scaling_matrix_present
                return None
        log2_max_frame_num = r.ue() + 4
        if r.ue() != 2:  # pic_order_cnt_type: only type 2 (POC from frame_num) is rewritten
            return None
        max_refs = r.ue()
        r.u(1)  # gaps_in_frame_num_value_allowed
        r.ue(), r.ue()  # size in macroblocks
        if not r.u(1):  # frame_mbs_only
            return None
        p = _Bits(unescape(pps[1:]))
        p.ue(), p.ue(), p.u(1)  # pps id, sps id, entropy_coding_mode
        if p.u(1):  # bottom_field_pic_order_in_frame_present
            return None
        return cls(log2_max_frame_num, max_refs)


@dataclass(frozen=True)
class _Slice:
    header: bytes  # the NAL header byte
    rbsp: bytes
    frame_num_at: int  # bit offset of frame_num in the RBSP


@dataclass(frozen=True)
class SkipTemplate:
    """One P-frame packet (one or more slices) whose frame_num can be rewritten in place."""

    slices: tuple[_Slice, ...]
    bits: int
    frame_num: int

    @classmethod
    def parse(cls, packet: bytes, params: StreamParams) -> Optional["SkipTemplate"]:
        units = nal_units(packet)
        if not units or any(u[0] & 0x1F != 1 or not u[0] & 0x60 for u in units):
            return None  # only reference (nal_ref_idc > 0) non-IDR slices: no SEI, no IDR
        slices, numbers = [], set()
        for nal in units:
            rbsp = unescape(nal[1:])
            r = _Bits(rbsp)
            r.ue()  # first_mb_in_slice
            if r.ue() % 5 != 0:  # slice_type P (0 or 5)
                return None
            r.ue()  # pps id
            at = r.pos
            numbers.add(r.u(params.log2_max_frame_num))
            slices.append(_Slice(nal[:1], rbsp, at))
        if len(numbers) != 1:
            return None
        return cls(tuple(slices), params.log2_max_frame_num, numbers.pop())

    def with_frame_num(self, frame_num: int) -> bytes:
        """The packet (Annex B) with frame_num set (modulo MaxFrameNum) in every slice."""
        value = frame_num % (1 << self.bits)
        out = bytearray()
        for piece in self.slices:
            data = bytearray(piece.rbsp)
            for i in range(self.bits):
                bit = (value >> (self.bits - 1 - i)) & 1
                pos = piece.frame_num_at + i
                mask = 1 << (7 - (pos & 7))
                data[pos >> 3] = (data[pos >> 3] | mask) if bit else (data[pos >> 3] & ~mask)
            out += _START + piece.header + escape(bytes(data))
        return bytes(out)
