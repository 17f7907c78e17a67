package bench

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedb/sluice/bench/nexmark"
)

var flagJRuns = flag.Int("bench.jruns", 3, "measured runs of each side of BenchmarkJoin (q1, enrich, window, in turn)")

// The join benchmark's second inputs, beside the keyed bids: one person
// and one auction for every key in [0, -bench.keys).
const (
	personTopic  = "person"
	auctionTopic = "auction"
	// joinWithin is the window of the stream-stream join, WITHIN 1 MINUTE.
	joinWithin = 60_000 // ms
)

// joinSetup declares the keyed bids (as BenchmarkWindowed does), a person
// table and an auction stream, both keyed like the bids.
const joinSetup = keyedSetup + `
CREATE TABLE person (id BIGINT PRIMARY KEY, name STRING, emailAddress STRING, creditCard STRING,
  city STRING, state STRING, dateTime BIGINT)
  WITH (kafka_topic='person', value_format='JSON', key_format='KAFKA');
CREATE STREAM auction (id BIGINT KEY, itemName STRING, initialBid BIGINT, reserve BIGINT,
  dateTime BIGINT, expires BIGINT, seller BIGINT, category BIGINT)
  WITH (kafka_topic='auction', value_format='JSON', key_format='KAFKA');`

// The two joins; %s is the per-run output name.
const (
	// enrichSQL is a stream-table enrichment: every bid finds its person.
	enrichSQL = `CREATE STREAM %s AS SELECT b.k, b.price, p.name, p.city, p.state
  FROM bids b LEFT JOIN person p ON b.k = p.id;`
	// windowJoinSQL pairs each bid with its key's auction if their times are
	// at most a minute apart.
	windowJoinSQL = `CREATE STREAM %s AS SELECT b.k, b.price, a.reserve, a.seller
  FROM bids b JOIN auction a WITHIN 1 MINUTE ON b.k = a.id;`
)

// joinTally is what the join outputs must add up to, computed from the
// generator while preloading.
type joinTally struct {
	bids, priceSum        int64
	matches, matchedPrice int64 // bids within joinWithin of their key's auction, and their prices
	people                []nexmark.Person
	auctions              []nexmark.Auction
}

// BenchmarkJoin measures two joins against the stateless q1 over the same
// bids, in the same invocation: a stream-table enrichment (every bid looks
// up its key in a -bench.keys-row person table) and a stream-stream join of
// the bids with an auction stream within one minute. The bids are
// BenchmarkWindowed's input (-bench.events bids, -bench.keys uniform keys);
// the person table and the auction stream have one row per key, in topics
// of the same 4 partitions. The sides take turns, -bench.jruns times.
// Records, and so rec/s, count every input record a query reads: the bids,
// plus the people or auctions for a join. Timing, CPU and memory are
// BenchmarkWindowed's (runQuery); each join's output is checked in full
// after its run (-bench.verify).
func BenchmarkJoin(b *testing.B) {
	ctx := context.Background()
	n, keys := int64(*flagEvents), *flagKeys
	if keys <= 0 {
		b.Fatalf("-bench.keys %d: the join inputs need at least one key", keys)
	}
	addr, adm := startBench(b)

	t0 := time.Now()
	want, err := preloadJoin(ctx, adm, addr, n, keys)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("preloaded %d bids, %d people and %d auctions (keys 0..%d) in %v",
		n, keys, keys, keys-1, time.Since(t0).Round(time.Millisecond))

	sides := []*side{
		{name: "q1", sql: keyedQ1SQL, setup: keyedSetup, n: n},
		{name: "enrich", sql: enrichSQL, setup: joinSetup, inputs: []string{bidTopic, personTopic}, n: n + keys,
			check: func(ctx context.Context, topic string) string { return checkEnrich(ctx, addr, topic, want) }},
		{name: "window", sql: windowJoinSQL, setup: joinSetup, inputs: []string{bidTopic, auctionTopic}, n: n + keys,
			check: func(ctx context.Context, topic string) string { return checkWindowJoin(ctx, addr, topic, want) }},
	}
	if err := runSides(ctx, adm, addr, "j", *flagJRuns, sides, personTopic, auctionTopic); err != nil {
		b.Fatal(err)
	}
	reportSides(b, sides)
	fmt.Fprintf(os.Stdout, "\nJoin benchmark: %d bids, %d keys (uniform), %d people, %d auctions, %d bids within 1 minute of their auction, %d partitions, GOMAXPROCS %d, load average %s\n",
		n, keys, len(want.people), len(want.auctions), want.matches, bidPartitions, runtime.GOMAXPROCS(0), loadAvg())
	printSides(*flagJRuns, sides)
}

// preloadJoin writes the keyed bids, then person k and auction k for every
// key k. People are timestamped a second before the first bid, so that a
// query reading in time order has the table before the bids. Auctions are
// spread evenly over the bids' time span in key order, so each partition
// is in time order and most bids, but not all, are within a minute of
// their auction.
func preloadJoin(ctx context.Context, adm *kadm.Client, addr string, n, keys int64) (joinTally, error) {
	g := nexmark.NewGenerator(nexmark.Config{})
	first, last := g.Bid(0).DateTime, g.Bid(max(n-1, 0)).DateTime
	t := joinTally{people: make([]nexmark.Person, keys), auctions: make([]nexmark.Auction, keys)}
	for k := range keys {
		t.people[k] = g.Person(k, first-1000)
		t.auctions[k] = g.Auction(k, first+k*(last-first)/keys)
	}
	_, err := preload(ctx, adm, addr, n, func(i int64, b *nexmark.Bid) int64 {
		k := g.UniformKey(i, keys)
		t.bids++
		t.priceSum += b.Price
		if d := b.DateTime - t.auctions[k].DateTime; -joinWithin <= d && d <= joinWithin {
			t.matches++
			t.matchedPrice += b.Price
		}
		return k
	})
	if err != nil {
		return t, err
	}
	err = produceAll(ctx, adm, addr, personTopic, keys, func(k int64, key, value []byte) ([]byte, []byte, int64) {
		p := &t.people[k]
		return nexmark.AppendKey(key, k), p.AppendJSON(value), p.DateTime
	})
	if err != nil {
		return t, err
	}
	err = produceAll(ctx, adm, addr, auctionTopic, keys, func(k int64, key, value []byte) ([]byte, []byte, int64) {
		a := &t.auctions[k]
		return nexmark.AppendKey(key, k), a.AppendJSON(value), a.DateTime
	})
	return t, err
}

// joinOutput reads a join's output topic and calls row with every record's
// key, decoded as a KAFKA BIGINT, and its JSON value decoded into a fresh
// V. It returns the number of records and a description of those that do
// not decode, "" if none.
func joinOutput[V any](ctx context.Context, addr, topic string, row func(k int64, v *V)) (int64, string, error) {
	var rows, badKey, badValue int64
	err := readAll(ctx, addr, topic, func(r *kgo.Record) {
		rows++
		if len(r.Key) != 8 {
			badKey++
			return
		}
		var v V
		if r.Value == nil || json.Unmarshal(r.Value, &v) != nil {
			badValue++
			return
		}
		row(int64(binary.BigEndian.Uint64(r.Key)), &v)
	})
	bad := ""
	if badKey+badValue > 0 {
		bad = fmt.Sprintf("%d keys not 8-byte BIGINTs, %d values null or not JSON", badKey, badValue)
	}
	return rows, bad, err
}

// checkEnrich checks the enrichment's output: one row per bid, prices
// adding up to the bids', and on every row the person of its key.
func checkEnrich(ctx context.Context, addr, topic string, want joinTally) string {
	type value struct {
		Price             int64
		Name, City, State *string
	}
	var priceSum, unmatched, wrong int64
	rows, bad, err := joinOutput(ctx, addr, topic, func(k int64, v *value) {
		priceSum += v.Price
		switch {
		case v.Name == nil:
			unmatched++
		case k < 0 || k >= int64(len(want.people)):
			wrong++
		default:
			p := &want.people[k]
			if *v.Name != p.Name || v.City == nil || *v.City != p.City || v.State == nil || *v.State != p.State {
				wrong++
			}
		}
	})
	if err != nil {
		return fmt.Sprintf("check: %v", err)
	}
	return joinResult(rows, want.bids, priceSum, want.priceSum, bad,
		countf(unmatched, "%d bids without their person"),
		countf(wrong, "%d rows with another person's values"))
}

// checkWindowJoin checks the stream-stream join's output: one row per bid
// within a minute of its key's auction, their prices, and on every row the
// auction of its key.
func checkWindowJoin(ctx context.Context, addr, topic string, want joinTally) string {
	type value struct {
		Price           int64
		Reserve, Seller *int64
	}
	var priceSum, wrong int64
	rows, bad, err := joinOutput(ctx, addr, topic, func(k int64, v *value) {
		priceSum += v.Price
		if k < 0 || k >= int64(len(want.auctions)) || v.Reserve == nil || v.Seller == nil {
			wrong++
			return
		}
		if a := &want.auctions[k]; *v.Reserve != a.Reserve || *v.Seller != a.Seller {
			wrong++
		}
	})
	if err != nil {
		return fmt.Sprintf("check: %v", err)
	}
	return joinResult(rows, want.matches, priceSum, want.matchedPrice, bad,
		countf(wrong, "%d rows with another auction's values"))
}

// joinResult compares a join's output rows and the sum of their prices
// with what they should be, adds the check's own findings (empty ones are
// none), and returns "ok" or the differences.
func joinResult(rows, wantRows, prices, wantPrices int64, findings ...string) string {
	var diffs []string
	if rows != wantRows {
		diffs = append(diffs, fmt.Sprintf("%d rows, want %d", rows, wantRows))
	}
	if prices != wantPrices {
		diffs = append(diffs, fmt.Sprintf("prices add to %d, want %d", prices, wantPrices))
	}
	for _, f := range findings {
		if f != "" {
			diffs = append(diffs, f)
		}
	}
	if len(diffs) == 0 {
		return "ok"
	}
	return fmt.Sprint(diffs)
}

// countf formats a count of faults, "" for none.
func countf(n int64, format string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(format, n)
}
