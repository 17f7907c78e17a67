package rocks

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// sortRef is a batch entry's position with its key's first eight bytes,
// which decide most comparisons without reaching into the keys.
type sortRef struct {
	prefix uint64
	i      int32
}

// keyPrefix returns k's first eight bytes as a big-endian number (zero
// padded), so that prefixes order as the keys do.
func keyPrefix(k []byte) uint64 {
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(k)
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

// sortBatch orders refs by their entries' keys, equal keys in batch order.
// A commit's batch is large (every group changed in the interval) and its
// keys share leading bytes (a key type's tag, small integers), so a stable
// radix sort over the prefix bytes that differ beats a comparison sort
// several times; entries whose prefixes tie are then put in key order by
// insertion, as such runs are short. tmp is scratch of any length; the
// grown scratch is returned for reuse.
func sortBatch(refs []sortRef, keys func(int32) []byte, tmp []sortRef) []sortRef {
	if len(refs) < 2 {
		return tmp
	}
	and, or := ^uint64(0), uint64(0)
	for _, r := range refs {
		and &= r.prefix
		or |= r.prefix
	}
	varying := and ^ or
	if cap(tmp) < len(refs) {
		tmp = make([]sortRef, len(refs))
	}
	tmp = tmp[:len(refs)]
	src, dst := refs, tmp
	for shift := uint(0); shift < 64; shift += 8 {
		if (varying>>shift)&0xff == 0 {
			continue
		}
		var count [256]int
		for _, r := range src {
			count[(r.prefix>>shift)&0xff]++
		}
		pos := 0
		for b, c := range count {
			count[b] = pos
			pos += c
		}
		for _, r := range src {
			b := (r.prefix >> shift) & 0xff
			dst[count[b]] = r
			count[b]++
		}
		src, dst = dst, src
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
