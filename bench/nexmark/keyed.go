package nexmark

// keySalt separates the key draw from the bid's own draws, so adding a key
// does not correlate it with price, bidder or channel.
const keySalt = 0x6b65797370616365 // "keyspace"

// UniformKey returns a key for the n-th bid (0-based), uniform over
// [0, keys). Nexmark's auction keys are hot-skewed and bounded by the
// in-flight auctions; benchmarks that need a given key cardinality (the
// stateful ones: 100,000 keys) key the same bids with this instead. Like a
// bid, it is a pure function of (Config.Seed, n). keys <= 0 gives 0.
func (g *Generator) UniformKey(n, keys int64) int64 {
	if keys <= 0 {
		return 0
	}
	r := newRand(g.cfg.Seed^keySalt, BidEventID(n))
	return r.intn(keys)
}
