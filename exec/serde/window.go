package serde

import (
	"encoding/binary"
	"fmt"
)

// Windowed keys use Kafka Streams' binary layout for windowed serdes, so
// ksqlDB-written windowed topics read back unchanged:
//
//	time window (tumbling, hopping): key || start (8 bytes, big-endian ms)
//	session window:                  key || end (8 bytes) || start (8 bytes)
//
// The window end of a time window is not stored; readers add the window size.

// EncodeTimeWindowKey appends the window start to an encoded key.
func EncodeTimeWindowKey(key []byte, start int64) []byte {
	out := make([]byte, 0, len(key)+8)
	out = append(out, key...)
	return binary.BigEndian.AppendUint64(out, uint64(start))
}

// DecodeTimeWindowKey splits a time-windowed key. The returned key aliases b.
func DecodeTimeWindowKey(b []byte) (key []byte, start int64, err error) {
	if len(b) < 8 {
		return nil, 0, fmt.Errorf("time-windowed key is %d bytes, shorter than its 8-byte window start", len(b))
	}
	n := len(b) - 8
	return b[:n:n], int64(binary.BigEndian.Uint64(b[n:])), nil
}

// EncodeSessionWindowKey appends the session end and start to an encoded key.
func EncodeSessionWindowKey(key []byte, start, end int64) []byte {
	out := make([]byte, 0, len(key)+16)
	out = append(out, key...)
	out = binary.BigEndian.AppendUint64(out, uint64(end))
	return binary.BigEndian.AppendUint64(out, uint64(start))
}

// DecodeSessionWindowKey splits a session-windowed key. The returned key aliases b.
func DecodeSessionWindowKey(b []byte) (key []byte, start, end int64, err error) {
	if len(b) < 16 {
		return nil, 0, 0, fmt.Errorf("session-windowed key is %d bytes, shorter than its 16-byte window bounds", len(b))
	}
	n := len(b) - 16
	end = int64(binary.BigEndian.Uint64(b[n : n+8]))
	start = int64(binary.BigEndian.Uint64(b[n+8:]))
	return b[:n:n], start, end, nil
}
