package nexmark

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files under testdata/")

func TestBidEventID(t *testing.T) {
	for _, tc := range []struct{ n, id int64 }{
		{0, 4}, {1, 5}, {45, 49}, {46, 54}, {47, 55}, {92, 104},
	} {
		if got := BidEventID(tc.n); got != tc.id {
			t.Errorf("BidEventID(%d) = %d, want %d", tc.n, got, tc.id)
		}
	}
}

func TestLastIDs(t *testing.T) {
	for _, tc := range []struct{ id, auction, person int64 }{
		{0, -1, 0}, // a person event, before any auction
		{1, 0, 0},
		{3, 2, 0},
		{4, 2, 0},
		{50, 2, 1},
		{51, 3, 1},
		{99, 5, 1},
	} {
		if got := lastBase0AuctionID(tc.id); got != tc.auction {
			t.Errorf("lastBase0AuctionID(%d) = %d, want %d", tc.id, got, tc.auction)
		}
		if got := lastBase0PersonID(tc.id); got != tc.person {
			t.Errorf("lastBase0PersonID(%d) = %d, want %d", tc.id, got, tc.person)
		}
	}
}

// TestGolden pins the exact stream so that benchmark inputs stay comparable
// across changes; regenerate with -rewrite only on purpose.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"default", Config{}},
		{"seed42", Config{Seed: 42}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGenerator(tc.cfg)
			var out bytes.Buffer
			for _, n := range []int64{0, 1, 2, 3, 4, 45, 46, 1000, 999999} {
				k, v, b := g.AppendBid(nil, nil, n)
				fmt.Fprintf(&out, "%d key=%x ts=%d %s\n", n, k, b.DateTime, v)
			}
			path := filepath.Join("testdata", tc.name+".golden")
			if *rewrite {
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("output differs from %s:\n%s", path, out.String())
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	a, b := NewGenerator(Config{Seed: 7}), NewGenerator(Config{Seed: 7})
	other := NewGenerator(Config{Seed: 8})
	differ := 0
	// Generate in different orders: each bid depends only on its id.
	for i := int64(0); i < 2000; i++ {
		n, m := i, 1999-i
		ka, va, ba := a.AppendBid(nil, nil, n)
		_, _, _ = b.AppendBid(nil, nil, m)
		kb, vb, bb := b.AppendBid(nil, nil, n)
		if !bytes.Equal(ka, kb) || !bytes.Equal(va, vb) || ba != bb {
			t.Fatalf("bid %d differs between generators with the same seed:\n%s\n%s", n, va, vb)
		}
		_, vo, _ := other.AppendBid(nil, nil, n)
		if !bytes.Equal(va, vo) {
			differ++
		}
	}
	if differ < 1900 {
		t.Errorf("only %d of 2000 bids differ between seeds 7 and 8", differ)
	}
}

func TestBidMatchesAppend(t *testing.T) {
	g := NewGenerator(Config{})
	for n := int64(0); n < 500; n++ {
		bid := g.Bid(n)
		k, v, short := g.AppendBid(nil, nil, n)
		if got := bid.AppendJSON(nil); !bytes.Equal(got, v) {
			t.Fatalf("bid %d: Bid().AppendJSON = %s, AppendBid = %s", n, got, v)
		}
		if int64(binary.BigEndian.Uint64(k)) != bid.Auction || len(k) != 8 {
			t.Fatalf("bid %d: key %x does not encode auction %d", n, k, bid.Auction)
		}
		if short.Extra != "" {
			t.Fatalf("bid %d: AppendBid returned Extra %q, want it empty", n, short.Extra)
		}
		short.Extra = bid.Extra
		if short != bid {
			t.Fatalf("bid %d: AppendBid returned %+v, Bid returned %+v", n, short, bid)
		}
	}
}

func TestJSONValid(t *testing.T) {
	g := NewGenerator(Config{Seed: 3})
	for n := int64(0); n < 1000; n++ {
		want := g.Bid(n)
		var got Bid
		v := want.AppendJSON(nil)
		// encoding/json matches "url" to URL and "dateTime" to DateTime
		// case-insensitively.
		if err := json.Unmarshal(v, &got); err != nil {
			t.Fatalf("bid %d: %v: %s", n, err, v)
		}
		if got != want {
			t.Fatalf("bid %d: round trip %+v, want %+v", n, got, want)
		}
	}
	// Arbitrary strings must still produce valid JSON.
	b := Bid{Channel: "a\"b\\c\n\x01", URL: "ü", Extra: "\t"}
	var m map[string]any
	if err := json.Unmarshal(b.AppendJSON(nil), &m); err != nil {
		t.Fatalf("escaping: %v: %s", err, b.AppendJSON(nil))
	}
	if m["channel"] != b.Channel || m["url"] != b.URL || m["extra"] != b.Extra {
		t.Errorf("escaping round trip: %v", m)
	}
}

// TestSizeAndDistributions checks the properties the benchmarks rely on:
// about 200 B per value, and Nexmark's skew and price range.
func TestSizeAndDistributions(t *testing.T) {
	g := NewGenerator(Config{})
	const n = 20000
	var total, minSize, maxSize int
	minSize = 1 << 30
	var hotChannel, over1000, channelIDURL int
	auctions := map[int64]int{}
	bidders := map[int64]int{}
	for i := int64(0); i < n; i++ {
		b := g.Bid(i)
		size := len(b.AppendJSON(nil))
		total += size
		minSize, maxSize = min(minSize, size), max(maxSize, size)
		if b.Price < 100 || b.Price > 100_000_000 {
			t.Fatalf("bid %d: price %d outside [100, 1e8]", i, b.Price)
		}
		if b.Price > 1000 {
			over1000++
		}
		if !strings.HasPrefix(b.Channel, "channel-") {
			hotChannel++
		} else if strings.Contains(b.URL, "&channel_id=") {
			channelIDURL++
		}
		auctions[b.Auction]++
		bidders[b.Bidder]++
	}
	avg := float64(total) / n
	t.Logf("value size avg %.1f B, min %d, max %d; %d auctions, %d bidders", avg, minSize, maxSize, len(auctions), len(bidders))
	if avg < 190 || avg > 210 {
		t.Errorf("average JSON value is %.1f B, want about 200", avg)
	}
	within := func(name string, got, lo, hi float64) {
		if got < lo || got > hi {
			t.Errorf("%s = %.3f, want in [%.2f, %.2f]", name, got, lo, hi)
		}
	}
	// log-uniform over 6 decades: P(price > 1000) = 5/6.
	within("P(price > 1000)", float64(over1000)/n, 0.81, 0.86)
	within("P(hot channel)", float64(hotChannel)/n, 0.48, 0.52)
	within("P(channel_id | cold channel)", float64(channelIDURL)/float64(n-hotChannel), 0.87, 0.93)
	// Hot auctions take half the bids, so the most frequent auctions carry
	// far more than a uniform share.
	top := 0
	for _, c := range auctions {
		top = max(top, c)
	}
	if top < n/100 {
		t.Errorf("most frequent auction has %d bids of %d: no hot auctions", top, n)
	}
	// Hot auctions are the first and hot bidders the second of each batch
	// of 100 ids (cold picks land there too, rarely).
	hotA, hotB := 0, 0
	for a, c := range auctions {
		if (a-firstAuctionID)%hotAuctionBatch == 0 {
			hotA += c
		}
	}
	for p, c := range bidders {
		if (p-firstPersonID)%hotBidderBatch == 1 {
			hotB += c
		}
	}
	within("P(hot auction)", float64(hotA)/n, 0.49, 0.56)
	within("P(hot bidder)", float64(hotB)/n, 0.74, 0.80)
}

func BenchmarkAppendBid(b *testing.B) {
	g := NewGenerator(Config{})
	var k, v []byte
	n := int64(0)
	for b.Loop() {
		k, v, _ = g.AppendBid(k[:0], v[:0], n)
		n++
	}
	b.SetBytes(int64(len(v)))
}
