package state

import (
	"fmt"
	"testing"
)

func TestKeyFilter(t *testing.T) {
	f := newKeyFilter()
	const n = 100_000 // far past the first layer: the filter grows
	for i := range n {
		f.add(fmt.Appendf(nil, "key-%d", i))
	}
	if len(f.layers) < 2 {
		t.Fatalf("%d layers after %d keys", len(f.layers), n)
	}
	for i := range n {
		if !f.mayHold(fmt.Appendf(nil, "key-%d", i)) {
			t.Fatalf("key-%d was added, the filter says never", i)
		}
	}
	fp := 0
	for i := range n {
		if f.mayHold(fmt.Appendf(nil, "other-%d", i)) {
			fp++
		}
	}
	// About filterFP per layer.
	if limit := int(float64(n) * filterFP * float64(len(f.layers))); fp > limit {
		t.Fatalf("%d false positives in %d (%d layers), more than %d", fp, n, len(f.layers), limit)
	}
}
