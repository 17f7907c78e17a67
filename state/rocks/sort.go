package rocks

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// sortRef is a batch entry's position with its key's first sixteen bytes
// (as two big-endian words), which decide nearly every comparison without
// reaching into the keys: a window key's group and most of its window start
// fit in them.
type sortRef struct {
	prefix [2]uint64
	i      int32
}

// newSortRef returns entry i's ref: k's first sixteen bytes as two
// big-endian numbers (zero padded), so that prefixes order as the keys do.
func newSortRef(k []byte, i int) sortRef {
	var b [16]byte
	copy(b[:], k)
	return sortRef{prefix: [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}, i: int32(i)}
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
	// varying[w] has the bits in which some prefixes' word w differ.
	var and, or [2]uint64
	and[0], and[1] = ^uint64(0), ^uint64(0)
	for _, r := range refs {
		for w := range 2 {
			and[w] &= r.prefix[w]
			or[w] |= r.prefix[w]
		}
	}
	if cap(tmp) < len(refs) {
		tmp = make([]sortRef, len(refs))
	}
	tmp = tmp[:len(refs)]
	src, dst := refs, tmp
	// Least significant byte first: the second word's, then the first's.
	for w := 1; w >= 0; w-- {
		varying := and[w] ^ or[w]
		for shift := uint(0); shift < 64; shift += 8 {
			if (varying>>shift)&0xff == 0 {
				continue
			}
			var count [256]int
			for i := range src {
				count[(src[i].prefix[w]>>shift)&0xff]++
			}
			pos := 0
			for b, c := range count {
				count[b] = pos
				pos += c
			}
			for i := range src {
				b := (src[i].prefix[w] >> shift) & 0xff
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
		for hi < len(refs) && refs[hi].prefix == refs[lo].prefix {
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
