package state

import (
	"encoding/binary"
	"math"
)

// Key encodings.
//
// Stores are sorted bytewise, so every encoded key is built so that byte
// order is the order the store needs:
//
//	int64      8 bytes big-endian of uint64(v) XOR 1<<63
//	window     key ‖ int64(start) ‖ uint32(seq) big-endian          (WindowKey)
//	session    key ‖ int64(end) ‖ int64(start)                      (SessionKey)
//
// The int64 flips the sign bit: plain big-endian two's complement sorts -1
// after every positive number. Kafka Streams writes timestamps without the
// flip (its timestamps are never negative); ours may be, so the layout is the
// same but the bytes of a timestamp are not wire-compatible with Kafka
// Streams' changelogs.
//
// The key part has no length prefix, as in Kafka Streams: the timestamps are
// a fixed-width suffix, so the key is recovered by trimming it. A range scan
// for key "a" can therefore meet entries of key "ab" (byte 'b' can sort
// between two timestamps); the window and session stores filter on the exact
// key while scanning. Windows of one key sort by start then seq; sessions of
// one key by end then start (what merging sessions searches by).
//
// seq disambiguates duplicates in stores that retain them (stream-stream
// joins); it is 0 otherwise.

const (
	// WindowSuffixLen is the bytes WindowKey appends to the key.
	WindowSuffixLen = 12
	// SessionSuffixLen is the bytes SessionKey appends to the key.
	SessionSuffixLen = 16
)

// AppendInt64 appends v's order-preserving 8-byte encoding to dst.
func AppendInt64(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
}

// Int64At decodes the int64 AppendInt64 wrote at b[0:8].
func Int64At(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
}

// WindowKey appends key ‖ start ‖ seq to dst.
func WindowKey(dst, key []byte, start int64, seq uint32) []byte {
	dst = append(dst, key...)
	dst = AppendInt64(dst, start)
	return binary.BigEndian.AppendUint32(dst, seq)
}

// SplitWindowKey splits an encoded window key. key aliases wk.
func SplitWindowKey(wk []byte) (key []byte, start int64, seq uint32, err error) {
	n := len(wk) - WindowSuffixLen
	if n < 0 {
		return nil, 0, 0, ErrMalformedKey
	}
	return wk[:n:n], Int64At(wk[n:]), binary.BigEndian.Uint32(wk[n+8:]), nil
}

// WindowKeyTime returns the window start of an encoded window key: the
// timestamp window stores are segmented by.
func WindowKeyTime(wk []byte) (int64, bool) {
	n := len(wk) - WindowSuffixLen
	if n < 0 {
		return 0, false
	}
	return Int64At(wk[n:]), true
}

// SessionKey appends key ‖ end ‖ start to dst.
func SessionKey(dst, key []byte, start, end int64) []byte {
	dst = append(dst, key...)
	dst = AppendInt64(dst, end)
	return AppendInt64(dst, start)
}

// SplitSessionKey splits an encoded session key. key aliases sk.
func SplitSessionKey(sk []byte) (key []byte, start, end int64, err error) {
	n := len(sk) - SessionSuffixLen
	if n < 0 {
		return nil, 0, 0, ErrMalformedKey
	}
	return sk[:n:n], Int64At(sk[n+8:]), Int64At(sk[n:]), nil
}

// SessionKeyTime returns the end of an encoded session key: sessions expire,
// and are segmented, by end.
func SessionKeyTime(sk []byte) (int64, bool) {
	n := len(sk) - SessionSuffixLen
	if n < 0 {
		return 0, false
	}
	return Int64At(sk[n:]), true
}

// Successor returns k ‖ 0x00, the smallest key greater than k: it turns an
// inclusive upper bound into the exclusive one ranges take.
func Successor(k []byte) []byte {
	out := make([]byte, len(k)+1)
	copy(out, k)
	return out
}

// spanOf returns the time span a scan [from, to) can touch when both bounds
// are encodings of the same key (to possibly followed by one 0x00 from
// Successor); the span is inclusive and may be wider than the scan, never
// narrower. ok is false when the bounds do not tell.
func spanOf(from, to []byte, suffix int, timeAt func([]byte) (int64, bool)) (lo, hi int64, ok bool) {
	if from == nil || to == nil || len(from) < suffix {
		return 0, 0, false
	}
	n := len(from)
	switch {
	case len(to) == n:
	case len(to) == n+1 && to[n] == 0:
		to = to[:n]
	default:
		return 0, 0, false
	}
	if string(from[:n-suffix]) != string(to[:n-suffix]) {
		return 0, 0, false
	}
	lo, _ = timeAt(from)
	hi, _ = timeAt(to)
	return lo, hi, lo <= hi
}

// recordKey returns the SegmentOptions.Key of keys with a suffix of the
// given length: the key without it (nil when too short).
func recordKey(suffix int) func([]byte) []byte {
	return func(k []byte) []byte {
		if len(k) < suffix {
			return nil
		}
		return k[: len(k)-suffix : len(k)-suffix]
	}
}

// WindowSpan is the SegmentOptions.Span of window stores.
func WindowSpan(from, to []byte) (lo, hi int64, ok bool) {
	return spanOf(from, to, WindowSuffixLen, WindowKeyTime)
}

// SessionSpan is the SegmentOptions.Span of session stores.
func SessionSpan(from, to []byte) (lo, hi int64, ok bool) {
	return spanOf(from, to, SessionSuffixLen, SessionKeyTime)
}

// satSub returns a-b clamped to the int64 range.
func satSub(a, b int64) int64 {
	if b > 0 && a < math.MinInt64+b {
		return math.MinInt64
	}
	if b < 0 && a > math.MaxInt64+b {
		return math.MaxInt64
	}
	return a - b
}
