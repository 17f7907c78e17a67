package nexmark

import "testing"

func TestUniformKey(t *testing.T) {
	g := NewGenerator(Config{})
	tests := []struct {
		name string
		n    int64
		keys int64
		want int64
	}{
		{"no keys", 5, 0, 0},
		{"negative keys", 5, -3, 0},
		{"one key", 12345, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := g.UniformKey(tt.n, tt.keys); got != tt.want {
				t.Errorf("UniformKey(%d, %d) = %d, want %d", tt.n, tt.keys, got, tt.want)
			}
		})
	}

	// Pure function of (seed, n): a second generator agrees, another seed
	// does not (on almost all bids).
	g2 := NewGenerator(Config{})
	g3 := NewGenerator(Config{Seed: 42})
	differ := 0
	for n := range int64(1000) {
		if g.UniformKey(n, 100_000) != g2.UniformKey(n, 100_000) {
			t.Fatalf("bid %d: two generators with the same seed disagree", n)
		}
		if g.UniformKey(n, 100_000) != g3.UniformKey(n, 100_000) {
			differ++
		}
	}
	if differ < 990 {
		t.Errorf("seeds 0 and 42 give the same key on %d of 1000 bids", 1000-differ)
	}

	// Uniform: 200,000 bids over 1,000 keys hit every key, each about 200
	// times (a binomial with sd ~14, so 120..280 is > 5 sd).
	const keys, bids = 1000, 200_000
	var counts [keys]int
	for n := range int64(bids) {
		k := g.UniformKey(n, keys)
		if k < 0 || k >= keys {
			t.Fatalf("bid %d: key %d outside [0, %d)", n, k, keys)
		}
		counts[k]++
	}
	for k, c := range counts {
		if c < 120 || c > 280 {
			t.Errorf("key %d drawn %d times, want about %d", k, c, bids/keys)
		}
	}
}
