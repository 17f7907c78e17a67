package rocks

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// sortRef is a batch entry's position with its key's first sixteen bytes
// (hi, lo), which decide nearly every comparison without reaching into the
// keys: a window key's group and most of its window start fit in them.
type sortRef struct {
	hi, lo uint64
	i      int32
}

// newSortRef returns entry i's ref: k's first sixteen bytes as two
// big-endian numbers (zero padded), so that prefixes order as the keys do.
func newSortRef(k []byte, i int) sortRef {
	var b [16]byte
	copy(b[:], k)
	return sortRef{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:]), i: int32(i)}
}

// sortBatch orders refs by their entries' keys, equal keys in batch order.
// A commit's batch is large (every group changed in the interval) and its
// keys share leading bytes (a key type's tag, small integers, nearby window
// starts), so a stable radix sort over the prefix bytes that differ beats a
// comparison sort several times; entries whose prefixes tie are then put in
// key order by insertion, as such runs are short. tmp is scratch of any
// length; the grown scratch is returned for reuse.
func sortBatch(refs []sortRef, keys func(int32) []byte, tmp []sortRef) []sortRef {
	if len(refs) < 2 {
		return tmp
	}
	andHi, orHi, andLo, orLo := ^uint64(0), uint64(0), ^uint64(0), uint64(0)
	for _, r := range refs {
		andHi &= r.hi
		orHi |= r.hi
		andLo &= r.lo
		orLo |= r.lo
	}
	if cap(tmp) < len(refs) {
		tmp = make([]sortRef, len(refs))
	}
	tmp = tmp[:len(refs)]
	src, dst := refs, tmp
	// Least significant byte first: lo's bytes, then hi's.
	for _, half := range [2]struct {
		varying uint64
		hi      bool
	}{{andLo ^ orLo, false}, {andHi ^ orHi, true}} {
		for shift := uint(0); shift < 64; shift += 8 {
			if (half.varying>>shift)&0xff == 0 {
				continue
			}
			digit := func(r *sortRef) uint64 {
				if half.hi {
					return (r.hi >> shift) & 0xff
				}
				return (r.lo >> shift) & 0xff
			}
			var count [256]int
			for i := range src {
				count[digit(&src[i])]++
			}
			pos := 0
			for b, c := range count {
				count[b] = pos
				pos += c
			}
			for i := range src {
				b := digit(&src[i])
				dst[count[b]] = src[i]
				count[b]++
			}
			src, dst = dst, src
		}
	}
	if &src[0] != &refs[0] {
		copy(refs, src)
	}
	// Ties on the prefix: order by the whole key, stably. Runs are short
	// for most key types; keys sharing long prefixes (strings with a common
	// head) make long runs, which get a comparison sort instead.
	for lo := 0; lo < len(refs); {
		hi := lo + 1
		for hi < len(refs) && refs[hi].hi == refs[lo].hi && refs[hi].lo == refs[lo].lo {
			hi++
		}
		if run := refs[lo:hi]; len(run) > 12 {
			slices.SortStableFunc(run, func(a, b sortRef) int { return bytes.Compare(keys(a.i), keys(b.i)) })
		} else {
			for i := 1; i < len(run); i++ {
				for j := i; j > 0 && bytes.Compare(keys(run[j].i), keys(run[j-1].i)) < 0; j-- {
					run[j], run[j-1] = run[j-1], run[j]
				}
			}
		}
		lo = hi
	}
	return tmp
}
