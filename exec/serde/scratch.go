package serde

import (
	"unsafe"

	"github.com/sluicedb/sluice/sql/types"
)

// Scratch is memory reused while decoding records one after another on one
// goroutine: decoded strings and boxed BIGINTs and STRINGs are carved out of
// small chunks instead of being allocated one value at a time, and the key
// layout of JSON documents is remembered (fieldMemo).
//
// Ownership: a chunk is only ever appended to, never written again below its
// length, so every value handed out stays valid and unchanged for as long as
// it is referenced, after the next record and after the Scratch is gone. A
// retained value keeps its whole chunk alive, so chunks are kept small (a
// few records' worth, at most 512 bytes) to bound what a value kept in
// in-memory query state can pin.
//
// The zero value is ready to use. A Scratch is not safe for concurrent use.
type Scratch struct {
	strs  []byte
	ints  []int64
	hdrs  []string
	memos []fieldMemo
}

// fieldMemo is what a JSON codec's documents looked like: the keys of the
// last documents by position. Producers write every record's keys the same
// way, so a key is usually found by comparing its bytes with the memo's.
type fieldMemo struct {
	owner *jsonCodec
	keys  []keyMemo
}

// keyMemo is the key seen at one position of the document.
type keyMemo struct {
	raw   string // as written: quotes, any escapes and spaces, and the ':'
	idx   int    // column it matched, -1 for none
	exact bool
	miss  uint8 // documents with another key here since raw was set
}

// maxMemoKeys bounds the positions remembered per codec.
const maxMemoKeys = 64

// memo returns c's memo, created on first use.
func (s *Scratch) memo(c *jsonCodec) *fieldMemo {
	for i := range s.memos {
		if s.memos[i].owner == c {
			return &s.memos[i]
		}
	}
	s.memos = append(s.memos, fieldMemo{owner: c})
	return &s.memos[len(s.memos)-1]
}

// at returns the memo of position pos, growing the memo to it.
func (m *fieldMemo) at(pos int) *keyMemo {
	for len(m.keys) <= pos {
		m.keys = append(m.keys, keyMemo{})
	}
	return &m.keys[pos]
}

// remember records the key found at a position the memo did not know.
// Documents whose layout varies would otherwise copy a key per field per
// record: a remembered key is only replaced after many misses.
func (k *keyMemo) remember(raw []byte, idx int, exact bool) {
	if k.raw != "" && k.miss < 32 {
		k.miss++
		return
	}
	*k = keyMemo{raw: string(raw), idx: idx, exact: exact}
}

const (
	// Fresh chunks hold a few records' strings and integers: big enough
	// that their allocation is amortised, small enough that a value kept
	// by in-memory state (a join's table side) pins at most 512 bytes.
	strChunk = 512
	intChunk = 64
	hdrChunk = 32
)

// reserveStr makes room for n more string bytes in the current chunk,
// starting a new chunk rather than growing (and copying) the current one.
func (s *Scratch) reserveStr(n int) {
	if cap(s.strs)-len(s.strs) >= n {
		return
	}
	s.strs = make([]byte, 0, max(n, strChunk))
}

// String returns a copy of b that lives in the scratch chunks.
func (s *Scratch) String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s.reserveStr(len(b))
	start := len(s.strs)
	s.strs = append(s.strs, b...)
	return unsafe.String(&s.strs[start], len(b))
}

// since returns the bytes appended to the current chunk since start as a
// string; the caller reserved room for them first (reserveStr), so they
// are in one chunk.
func (s *Scratch) since(start int) string {
	if len(s.strs) == start {
		return ""
	}
	return unsafe.String(&s.strs[start], len(s.strs)-start)
}

// eface is the layout of an interface{} value, as the runtime (and reflect)
// define it: a type word and a pointer to the value.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

var (
	int64Type     = typeWord(int64(0))
	timestampType = typeWord(types.Timestamp(0))
	stringType    = typeWord("")
)

// Int64 boxes v as an any holding an int64, without a heap allocation per
// value: the box is a slot of the current integer chunk. The result is an
// ordinary int64 interface value (type switches, == and maps behave as
// usual); nothing ever writes to the slot again.
func (s *Scratch) Int64(v int64) any {
	if uint64(v) < 256 {
		return v // the runtime boxes small values without allocating
	}
	return s.word(int64Type, v)
}

// word boxes an int64-shaped value of the type whose type word is typ.
func (s *Scratch) word(typ unsafe.Pointer, v int64) any {
	if len(s.ints) == cap(s.ints) {
		s.ints = make([]int64, 0, intChunk)
	}
	s.ints = append(s.ints, v)
	var out any
	*(*eface)(unsafe.Pointer(&out)) = eface{typ: typ, data: unsafe.Pointer(&s.ints[len(s.ints)-1])}
	return out
}

// Str boxes v as an any holding a string, the header in a slot of the
// current string-header chunk (see Int64).
func (s *Scratch) Str(v string) any {
	if v == "" {
		return ""
	}
	if len(s.hdrs) == cap(s.hdrs) {
		s.hdrs = make([]string, 0, hdrChunk)
	}
	s.hdrs = append(s.hdrs, v)
	var out any
	*(*eface)(unsafe.Pointer(&out)) = eface{typ: stringType, data: unsafe.Pointer(&s.hdrs[len(s.hdrs)-1])}
	return out
}

// boxInt64 boxes v using s, or the ordinary way when s is nil.
func boxInt64(s *Scratch, v int64) any {
	if s == nil {
		return v
	}
	return s.Int64(v)
}

func boxTimestamp(s *Scratch, v int64) any {
	if s == nil {
		return types.Timestamp(v)
	}
	return s.word(timestampType, v)
}

func boxString(s *Scratch, v string) any {
	if s == nil {
		return v
	}
	return s.Str(v)
}

// RowDecoder is implemented by codecs that decode into a caller's slice,
// taking strings and BIGINT boxes from a Scratch: no allocation per record
// for the slice and few for the values.
type RowDecoder interface {
	// DecodeInto is Decode writing the values into dst, which must have one
	// slot per column. Every slot is written: a tombstone or null document
	// leaves all of them nil.
	DecodeInto(dst []any, data []byte, s *Scratch) error
}

// DecodeInto decodes data with c into dst (one slot per column), through
// RowDecoder when c implements it and through Decode otherwise.
func DecodeInto(c Codec, dst []any, data []byte, s *Scratch) error {
	return RowDecoderOf(c).DecodeInto(dst, data, s)
}

// RowDecoderOf returns c as a RowDecoder, adapting its Decode when c does not
// implement one. Hot loops keep the result rather than asserting per record.
func RowDecoderOf(c Codec) RowDecoder {
	if rd, ok := c.(RowDecoder); ok {
		return rd
	}
	return decodeAdapter{c}
}

type decodeAdapter struct{ c Codec }

func (a decodeAdapter) DecodeInto(dst []any, data []byte, _ *Scratch) error {
	vals, err := a.c.Decode(data)
	if err != nil {
		return err
	}
	clear(dst[copy(dst, vals):])
	return nil
}

// Appender is implemented by codecs that encode into a caller's buffer, so
// a sink can pack many records' bytes into one allocation.
type Appender interface {
	// AppendEncode is Encode appending to dst. null reports that the
	// encoding is a Kafka null (where Encode returns nil); nothing is
	// appended then. On error the returned slice is dst.
	AppendEncode(dst []byte, vals []any) (out []byte, null bool, err error)
}

// AppendEncode encodes vals with c after dst, through Appender when c
// implements it and through Encode otherwise.
func AppendEncode(c Codec, dst []byte, vals []any) ([]byte, bool, error) {
	return AppenderOf(c).AppendEncode(dst, vals)
}

// AppenderOf returns c as an Appender, adapting its Encode when c does not
// implement one. Hot loops keep the result rather than asserting per record.
func AppenderOf(c Codec) Appender {
	if a, ok := c.(Appender); ok {
		return a
	}
	return encodeAdapter{c}
}

type encodeAdapter struct{ c Codec }

func (a encodeAdapter) AppendEncode(dst []byte, vals []any) ([]byte, bool, error) {
	b, err := a.c.Encode(vals)
	if err != nil {
		return dst, false, err
	}
	if b == nil {
		return dst, true, nil
	}
	return append(dst, b...), false, nil
}
